import { z } from 'zod';
import { KNOWN_REGIONS, isKnownRegion } from './regions';
import { instanceClassProblem } from './rds-instance-classes';
import { postgresVersionProblem } from '../../engines/common/engine-support';

export const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
export const region = z
  .string()
  .refine(isKnownRegion, { message: `must be a known AWS region (${KNOWN_REGIONS.slice(0, 4).join(', ')}, …)` });
export const resourceName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'must start with a lowercase letter and use only a-z, 0-9 and "-" (at most 40 characters)',
  );
export const positiveInt = z.number().int().positive();
export const instanceClass = z.string().superRefine((value, ctx) => {
  const problem = instanceClassProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
export const engineVersion = z.string().superRefine((value, ctx) => {
  const problem = postgresVersionProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
