/**
 * The Lambda function dying in the middle of a task, for the fake AWS worlds of the drill and the runbooks: armed
 * with `arm(n)`, it dies right after its n-th mutating call from then took effect. That call's answer is lost, and
 * every later call fails (`Rxdr.InjectedCrash`) without effect until `died()` is asked.
 */
export class InjectedCrash {
  private armed?: { after: number; seen: number };
  private dead = false;

  /** `crashError` builds the error the fake's calls throw (each fake shapes its AWS errors its own way). */
  constructor(private readonly crashError: (name: string, message: string) => Error) {}

  arm(after: number): void {
    this.armed = { after, seen: 0 };
    this.dead = false;
  }

  /** Whether the armed crash happened; clears it (the next attempt runs normally). */
  died(): boolean {
    const died = this.dead;
    this.dead = false;
    this.armed = undefined;
    return died;
  }

  /** Before a call is sent: a dead function sends nothing. */
  beforeCall(command: string): void {
    if (this.dead) throw this.crashError('Rxdr.InjectedCrash', `injected: the function is dead (${command} not sent)`);
  }

  /** After a mutating call took effect: the function dies here when this is the armed call. */
  afterMutation(command: string): void {
    if (this.armed && ++this.armed.seen === this.armed.after) {
      this.dead = true;
      throw this.crashError('Rxdr.InjectedCrash', `injected: the function died right after ${command} took effect`);
    }
  }
}
