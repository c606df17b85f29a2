import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_RUNTIME_CA_BUNDLE, RDS_CA_BUNDLE_VARIABLE } from '../../../engines/common/database-tls';

/**
 * Give a function that connects to a database the CA bundle its connections verify the server with (the
 * Lambda runtime's Amazon CA bundle, RDS included). Every function that reaches PostgreSQL calls this; a
 * template test finds those functions by their security groups and checks the variable is set.
 */
export function trustRdsCertificates(fn: lambda.Function): void {
  fn.addEnvironment(RDS_CA_BUNDLE_VARIABLE, LAMBDA_RUNTIME_CA_BUNDLE);
}
