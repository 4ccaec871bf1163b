import * as assert from 'node:assert/strict';
import { colourPrefix, formatLogLine, parseLogDetails, parseLogLine, parseSince, parseTail, taskPrefix, terminalLine } from '../../src/core/stack/service-logs';

const DETAILS = 'com.docker.swarm.node.id=n0d3,com.docker.swarm.service.id=s3rv,com.docker.swarm.task.id=3f2a9c1d0b7e4455aa';

describe('service logs as docker service logs prints them', () => {
    it('takes the task context out of the details and keeps the message whole', () => {
        const parsed = parseLogLine(`${DETAILS} GET / 200 (in 3 ms) a=b`, false);
        assert.deepEqual(parsed.context, { nodeId: 'n0d3', serviceId: 's3rv', taskId: '3f2a9c1d0b7e4455aa' });
        assert.equal(parsed.message, 'GET / 200 (in 3 ms) a=b');
        assert.deepEqual(parsed.details, {});
    });

    it('reads the timestamp first when asked for, and keeps other details', () => {
        const parsed = parseLogLine(`2026-11-26T08:00:00.123456789Z ${DETAILS},env%3Dx=a%2Cb hello`, true);
        assert.equal(parsed.timestamp, '2026-11-26T08:00:00.123456789Z');
        assert.equal(parsed.message, 'hello');
        assert.deepEqual(parsed.details, { 'env=x': 'a,b' });
    });

    it('keeps a line without details as it came (never dropped)', () => {
        const parsed = parseLogLine('plain text line', false);
        assert.equal(parsed.context, undefined);
        assert.equal(formatLogLine(parsed, undefined), 'plain text line');
        assert.equal(parseLogDetails(''), undefined);
        assert.equal(parseLogLine(`${DETAILS} `, false).message, '');
    });

    it('forms the prefix as the CLI does: service.slot.task id (12)@node, padded to the replica digits, then "    | "', () => {
        const prefix = taskPrefix({ serviceName: 'prod_web', slot: 1, nodeName: 'node-1' }, '3f2a9c1d0b7e4455aa', 2);
        assert.equal(prefix, 'prod_web.1.3f2a9c1d0b7e@node-1 ');
        assert.equal(formatLogLine(parseLogLine(`${DETAILS} listening`, false), prefix), 'prod_web.1.3f2a9c1d0b7e@node-1     | listening');
        assert.equal(taskPrefix({ serviceName: 'prod_agent', nodeName: 'n' }, 'abc'), 'prod_agent.0.abc@n', 'a global task has slot 0, as the CLI prints');
        assert.equal(formatLogLine(parseLogLine(`2026-01-01T00:00:00Z ${DETAILS} x`, true), 'p'), '2026-01-01T00:00:00Z p    | x');
    });

    it('colours stack prefixes per service and ends every terminal line with CRLF', () => {
        assert.equal(colourPrefix('a', 0), '\x1b[36ma\x1b[0m');
        assert.notEqual(colourPrefix('a', 1), colourPrefix('a', 0));
        assert.equal(terminalLine('one\ntwo\r\nthree'), 'one\r\ntwo\r\nthree\r\n');
    });

    it('reads --since and --tail as the CLI does', () => {
        const now = Date.parse('2026-11-26T08:00:00Z');
        assert.equal(parseSince('42m', now), (now - 42 * 60_000) / 1000);
        assert.equal(parseSince('1h30m', now), (now - 90 * 60_000) / 1000);
        assert.equal(parseSince('10s', now), (now - 10_000) / 1000);
        assert.equal(parseSince('2026-11-26T07:00:00Z', now), Date.parse('2026-11-26T07:00:00Z') / 1000);
        assert.equal(parseSince('1700000000', now), 1700000000);
        assert.throws(() => parseSince('yesterday', now), /invalid value for since/);
        assert.equal(parseTail(20), 20);
        assert.equal(parseTail('all'), 'all');
        assert.equal(parseTail('15'), 15);
        assert.throws(() => parseTail('-1'), /invalid value for tail/);
    });
});
