import { Block, PlanDocument } from './document';
import { escapeHtml } from '../html';

/** The plan as GitHub-flavoured Markdown. */
export function renderMarkdown(doc: PlanDocument): string {
  const out: string[] = [`# ${doc.title}`, '', ...doc.preamble.map((line) => `${line}  `), ''];
  out.push('## Contents', '', ...doc.sections.map((s, i) => `${i + 1}. [${s.title}](#${s.id})`), '');
  doc.sections.forEach((section, index) => {
    out.push(`<a id="${section.id}"></a>`, '', `## ${index + 1}. ${section.title}`, '');
    for (const block of section.blocks) out.push(...markdownBlock(block), '');
  });
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

function markdownBlock(block: Block): string[] {
  switch (block.kind) {
    case 'paragraph':
      return [block.text];
    case 'subheading':
      return [`### ${block.text}`];
    case 'list':
      return block.items.map((item, i) => `${block.ordered ? `${i + 1}.` : '-'} ${item.replace(/\n/g, ' ')}`);
    case 'table': {
      const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
      return [
        `| ${block.header.map(cell).join(' | ')} |`,
        `| ${block.header.map(() => '---').join(' | ')} |`,
        ...block.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
      ];
    }
  }
}

/** The plan as one self-contained HTML page (no scripts, no external resources; prints cleanly). */
export function renderHtml(doc: PlanDocument): string {
  const body: string[] = [
    `<h1>${inline(doc.title)}</h1>`,
    `<p class="preamble">${doc.preamble.map(inline).join('<br>')}</p>`,
  ];
  body.push(
    '<nav><h2>Contents</h2><ol>',
    ...doc.sections.map((s) => `<li><a href="#${s.id}">${inline(s.title)}</a></li>`),
    '</ol></nav>',
  );
  doc.sections.forEach((section, index) => {
    body.push(`<section id="${section.id}">`, `<h2>${index + 1}. ${inline(section.title)}</h2>`);
    for (const block of section.blocks) body.push(htmlBlock(block));
    body.push('</section>');
  });
  const style = [
    'body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#111}',
    'table{border-collapse:collapse;margin:0.5rem 0}th,td{border:1px solid #999;padding:0.25rem 0.5rem;text-align:left;vertical-align:top}',
    'th{background:#eee}code{background:#f3f3f3;padding:0 0.2rem}.preamble{color:#444}',
    '@media print{nav{display:none}section{break-inside:avoid-page}}',
  ].join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function htmlBlock(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${inline(block.text)}</p>`;
    case 'subheading':
      return `<h3>${inline(block.text)}</h3>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      return `<${tag}>${block.items.map((item) => `<li>${inline(item)}</li>`).join('')}</${tag}>`;
    }
    case 'table':
      return [
        '<table>',
        `<thead><tr>${block.header.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead>`,
        `<tbody>${block.rows.map((row) => `<tr>${row.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody>`,
        '</table>',
      ].join('');
  }
}

/** Escape, then translate the two inline forms: `code` and [label](href) (http(s) or relative links only). */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\[([^\]]+)\]\(((?:https?:\/\/|\.{0,2}\/|[A-Za-z0-9_-]+\/|#)[^)\s]*)\)/g, '<a href="$2">$1</a>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\n/g, '<br>');
}
