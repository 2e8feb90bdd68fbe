/**
 * Loaded first by mocha (.mocharc.json): keeps the Lambda handler's Powertools logs and EMF metrics off the
 * test output unless a developer asks for them (POWERTOOLS_LOG_LEVEL=INFO npm test).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The pinned SDK works on Node 20; its notice about future releases is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
