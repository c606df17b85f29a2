import { Client } from 'pg';

/** Writes one consistent unit of activity whose rows are all stamped `at`; resolves once committed. */
export type UnitWriter = (client: Client, at: Date) => Promise<void>;

export interface WriteLoadStats {
  readonly commits: number;
  /** Timestamp written by the newest unit whose COMMIT was acknowledged: what a restore should reach. */
  readonly lastCommittedAt?: Date;
  /**
   * Timestamp of the unit in flight when the load ended with an error (the disaster). Its COMMIT may have
   * reached the server without the acknowledgement reaching us, so a restore may legitimately hold it.
   */
  readonly unacknowledgedAt?: Date;
  /** The error that ended the load (expected after the disaster: the connection dies). */
  readonly stoppedBy?: string;
}

/**
 * A pharmacy-like write load: one connection committing units of activity back to back (with an optional
 * pause), like a dispensing system. It records the newest acknowledged write, the ground truth for the RPO.
 */
export class WriteLoad {
  static async start(
    url: string,
    writeUnit: UnitWriter,
    options: { pauseMs?: number; now?: () => Date } = {},
  ): Promise<WriteLoad> {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined); // the disaster kills the server under us
    await client.connect();
    const load = new WriteLoad(client, writeUnit, options.pauseMs ?? 5, options.now ?? (() => new Date()));
    load.loop = load.run();
    return load;
  }

  private commits = 0;
  private lastCommittedAt: Date | undefined;
  private unacknowledgedAt: Date | undefined;
  private stoppedBy: string | undefined;
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: Client,
    private readonly writeUnit: UnitWriter,
    private readonly pauseMs: number,
    private readonly now: () => Date,
  ) {}

  get stats(): WriteLoadStats {
    return {
      commits: this.commits,
      lastCommittedAt: this.lastCommittedAt,
      unacknowledgedAt: this.unacknowledgedAt,
      stoppedBy: this.stoppedBy,
    };
  }

  /** Resolves after `count` more commits (or when the load stops). */
  async waitForCommits(count: number): Promise<void> {
    const target = this.commits + count;
    while (this.commits < target && !this.stoppedBy && !this.stopping) await new Promise((r) => setTimeout(r, 10));
    if (this.stoppedBy) throw new Error(`write load stopped: ${this.stoppedBy}`);
  }

  /**
   * Stop after the unit in flight. Call it after the disaster: a unit in flight then either fails or was
   * acknowledged before the server died, and then it counts (it is a committed write a restore must reach).
   */
  async stop(): Promise<WriteLoadStats> {
    this.stopping = true;
    await this.loop;
    await this.client.end().catch(() => undefined);
    return this.stats;
  }

  /**
   * The network to the database is cut (the server no longer answers, nor closes the connection): drop the
   * connection. A unit in flight then fails unacknowledged, as it would when the client's TCP timeout fires.
   */
  async cut(): Promise<WriteLoadStats> {
    this.stopping = true;
    void this.client.end().catch(() => undefined); // destroys the socket under a query in flight
    await this.loop;
    return this.stats;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      // Millisecond timestamps: the database keeps microseconds, JavaScript dates milliseconds.
      const at = new Date(Math.floor(this.now().getTime()));
      try {
        await this.writeUnit(this.client, at);
      } catch (error) {
        this.unacknowledgedAt = at;
        if (!this.stopping) this.stoppedBy = (error as Error).message;
        return;
      }
      this.commits += 1;
      if (!this.lastCommittedAt || at > this.lastCommittedAt) this.lastCommittedAt = at;
      if (this.pauseMs > 0) await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }
}
