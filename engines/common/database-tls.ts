/**
 * How a Lambda function that connects to a database learns which certificate authorities to trust. The
 * construct sets `RDS_CA_BUNDLE` to the CA bundle the Lambda Node.js runtime ships, and every connection
 * trusts exactly that bundle (verify-full: chain and host name). Since Node.js 20 the Lambda runtimes no longer
 * load the Amazon CAs into Node's trust store by default, and Node's own list does not hold the RDS CAs.
 * Pure constants only (imported by `lib/` and by Lambda bundles).
 */
export const RDS_CA_BUNDLE_VARIABLE = 'RDS_CA_BUNDLE';

/** Every Amazon CA certificate, the RDS CAs included, as the Lambda Node.js runtimes provide them. */
export const LAMBDA_RUNTIME_CA_BUNDLE = '/var/runtime/ca-cert.pem';
