// aws-cdk-lib's built-in CloudFormation schema validation costs 15-25 s per synthesized app with Lambdas.
// Construct tests assert the templates themselves; the real `cdk synth` (test/stages/app.test.ts and CI)
// keeps it on.
process.env.CDK_VALIDATION ??= 'false';
