/**
 * A rendered-format-neutral document: sections of paragraphs, lists and tables. Text may use two inline
 * forms, `code` and [label](href); the renderers translate them (Markdown keeps them, HTML converts them).
 */
export type Block =
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'list'; readonly ordered?: boolean; readonly items: readonly string[] }
  | { readonly kind: 'table'; readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'subheading'; readonly text: string };

export interface Section {
  /** Stable anchor, e.g. `systems`. */
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface PlanDocument {
  readonly title: string;
  /** Lines under the title (environment, version, generation time). */
  readonly preamble: readonly string[];
  readonly sections: readonly Section[];
}

export const paragraph = (text: string): Block => ({ kind: 'paragraph', text });
export const list = (items: readonly string[], ordered = false): Block => ({ kind: 'list', items, ordered });
export const table = (header: readonly string[], rows: readonly (readonly string[])[]): Block => ({
  kind: 'table',
  header,
  rows,
});
export const subheading = (text: string): Block => ({ kind: 'subheading', text });
