// Ends every jest run with the plain "N passed, N failed, N skipped" line that CI systems read, preceded by the
// same counts per jest project (tfjs backend) and by the notes jest.config.js passes (e.g. a skipped backend).
class SummaryReporter {
  constructor(_globalConfig, options = {}) {
    this.notes = options.notes ?? [];
  }

  onRunComplete(_contexts, results) {
    const line = (passed, failed, skipped) => `${passed} passed, ${failed} failed, ${skipped} skipped`;
    const perProject = new Map();
    for (const file of results.testResults) {
      const name = file.displayName?.name ?? file.displayName;
      if (!name) continue;
      const counts = perProject.get(name) ?? { passed: 0, failed: 0, skipped: 0 };
      counts.passed += file.numPassingTests;
      // A suite that fails to load runs no tests; count it as a failure so the line never hides it.
      counts.failed += file.numFailingTests + (file.testExecError ? 1 : 0);
      counts.skipped += file.numPendingTests + file.numTodoTests;
      perProject.set(name, counts);
    }
    let text = '\n';
    for (const note of this.notes) text += `${note}\n`;
    if (perProject.size > 1)
      for (const [name, c] of perProject) text += `${name}: ${line(c.passed, c.failed, c.skipped)}\n`;
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`${text}${line(results.numPassedTests, failed, skipped)}\n`);
  }
}
module.exports = SummaryReporter;
