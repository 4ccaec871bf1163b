// Mocha reporter used by scripts/test.mjs: prints like mocha's `spec` reporter and, when the run ends, writes
// {"passed":N,"failed":N,"pending":N} to the file named by the environment variable SWARM_STACKS_TEST_COUNTS.
// Usage: SWARM_STACKS_TEST_COUNTS=/tmp/c.json npx mocha --reporter ./scripts/mocha-count-reporter.cjs ...
'use strict';
const fs = require('fs');
const path = require('path');
const mocha = require('mocha');

const Spec = mocha.reporters.Spec;
const { EVENT_RUN_END } = mocha.Runner.constants;

class CountReporter extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(EVENT_RUN_END, () => {
            const file = process.env.SWARM_STACKS_TEST_COUNTS;
            if (!file) {
                return;
            }
            const stats = this.stats || runner.stats || {};
            const counts = { passed: stats.passes || 0, failed: stats.failures || 0, pending: stats.pending || 0 };
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, JSON.stringify(counts));
        });
    }
}

CountReporter.description = 'spec output + counts written to $SWARM_STACKS_TEST_COUNTS';
module.exports = CountReporter;
