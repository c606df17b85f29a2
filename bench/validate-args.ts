/** The validation benchmark's command line. */
export interface Args {
  prescriptions: number;
  json: boolean;
  repeat: number;
  url?: string;
  /**
   * Manifest cut-offs, in hours before the newest data: the copy has the rows after each (as in a drill whose
   * manifest is that old). The first is the headline point.
   */
  lagsHours: number[];
  /** Terabyte model: one connection's first-read MB/s of a restored volume, the instance's MB/s, chunk GiB. */
  hydrationMbps: number;
  instanceMbps: number;
  chunkGib: number;
}

export function parseArgs(argv: string[]): Args {
  const args: Args = {
    prescriptions: 200_000,
    json: false,
    repeat: 3,
    lagsHours: [24, 168, 720, 2160],
    hydrationMbps: 64,
    instanceMbps: 1000,
    chunkGib: 2,
  };
  const model = { '--hydration-mbps': 'hydrationMbps', '--instance-mbps': 'instanceMbps', '--chunk-gib': 'chunkGib' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--json') args.json = true;
    else if (flag === '--prescriptions' && value) {
      args.prescriptions = Number(value);
      i++;
    } else if (flag === '--repeat' && value) {
      args.repeat = Number(value);
      i++;
    } else if (flag === '--lags-hours' && value) {
      args.lagsHours = value.split(',').map(Number);
      i++;
    } else if (flag && flag in model && value && Number(value) > 0) {
      args[model[flag as keyof typeof model] as 'hydrationMbps'] = Number(value);
      i++;
    } else if (flag === '--url' && value) {
      args.url = value;
      i++;
    } else
      throw new Error(
        `unknown argument ${flag}; usage: --prescriptions <n> [--json] [--repeat <n>] [--lags-hours 24,168,720,2160] [--url <admin-url>] [--hydration-mbps <n>] [--instance-mbps <n>] [--chunk-gib <n>]`,
      );
  }
  if (!Number.isInteger(args.prescriptions) || args.prescriptions < 1)
    throw new Error('--prescriptions must be a positive integer');
  if (args.lagsHours.length === 0 || args.lagsHours.some((h) => !(h > 0)))
    throw new Error('--lags-hours must list positive hours, e.g. 24,168,720,2160');
  return args;
}
