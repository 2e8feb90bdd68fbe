/**
 * Loaded first by mocha (.mocharc.json): keeps the Lambda handler's Powertools logs and EMF metrics off the
 * test output unless a developer asks for them (POWERTOOLS_LOG_LEVEL=INFO npm test).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
