import * as assert from 'node:assert/strict';
import { FreshReads } from '../../src/core/fresh-reads';

/** A source whose reads finish when the test says so; each read records the source's version when it started. */
function controllableSource() {
    let version = 0;
    const reads: Array<{ startedAt: number; finish: () => void; signal: AbortSignal }> = [];
    const published: number[] = [];
    const reader = new FreshReads(
        (signal) =>
            new Promise<void>((resolve) => {
                const startedAt = version;
                reads.push({
                    startedAt,
                    signal,
                    finish: () => {
                        if (!signal.aborted) published.push(startedAt);
                        resolve();
                    },
                });
            }),
    );
    return { reader, reads, published, change: () => version++ };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FreshReads: a refresh sees the caller\'s change', () => {
    it('does not hand a caller a read that started before its call', async () => {
        const { reader, reads, published, change } = controllableSource();
        void reader.request(); // read 1 starts at version 0
        change(); // the caller's change (version 1)
        let settled = false;
        const mine = reader.request().then(() => (settled = true));
        reads[0].finish();
        await tick();
        assert.equal(settled, false, 'read 1 began before the change: not the caller\'s');
        assert.equal(reads.length, 2, 'the next read starts when the running one ends');
        assert.equal(reads[1].startedAt, 1);
        reads[1].finish();
        await mine;
        assert.deepEqual(published, [0, 1]);
    });

    it('shares one queued read among everyone who asked meanwhile', async () => {
        const { reader, reads } = controllableSource();
        void reader.request();
        const asked = [reader.request(), reader.request(), reader.request()];
        reads[0].finish();
        await tick();
        assert.equal(reads.length, 2);
        reads[1].finish();
        await Promise.all(asked);
        assert.equal(reads.length, 2, 'a burst costs two reads');
        void reader.request();
        assert.equal(reads.length, 3, 'with nothing running, a request reads at once');
    });

    it('aborts the read in flight: its result is dropped and its requesters are released', async () => {
        const { reader, reads, published } = controllableSource();
        const first = reader.request();
        reader.abort();
        assert.equal(reads[0].signal.aborted, true);
        reads[0].finish();
        await first;
        assert.deepEqual(published, []);
        void reader.request();
        assert.equal(reads[1].signal.aborted, false, 'later reads are not aborted');
    });
});
