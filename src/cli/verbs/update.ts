import { updateServiceImage } from '../../core/stack/verbs';
import { describeVerifiedUpdate, verifiedImageUpdate } from '../../core/stack/verified-update';
import { detachOptions, oneService, waitTimeoutMs } from '../arguments';
import { engineFor, registryAuthOf } from '../engine';
import { progressPrinter, waitAll } from '../output';
import { UsageError, type ParsedArgs, type Verb } from '../verb';

export const update: Verb = {
    options: { image: { type: 'string' }, 'with-registry-auth': { type: 'boolean' }, verify: { type: 'string' }, 'verify-interval': { type: 'string' }, ...detachOptions },
    async run(args, io) {
        const service = oneService(args, 'update');
        const image = args.values.image as string | undefined;
        if (!image) throw new UsageError('--image is required');
        const verifyUrl = args.values.verify as string | undefined;
        if (verifyUrl !== undefined) checkVerifyArguments(args, verifyUrl);
        const engine = engineFor(args, io);
        // cli/command/service/update.go: the credentials of the new image's registry, only with the flag.
        const authHeader = args.values['with-registry-auth'] ? await registryAuthOf(io).authHeaderFor(image) : undefined;
        if (verifyUrl !== undefined) {
            const report = await verifiedImageUpdate(engine, service, image, {
                url: verifyUrl,
                intervalMs: Number(args.values['verify-interval'] ?? 100),
                waitTimeoutMs: waitTimeoutMs(args),
                signal: io.signal,
                onProgress: progressPrinter(io),
                ...(authHeader ? { authHeader } : {}),
            });
            if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
            for (const warning of report.warnings) io.stderr.write(`${warning}\n`);
            for (const line of describeVerifiedUpdate(report)) io.stdout.write(`${line}\n`);
            return report.passed ? 0 : 1;
        }
        const result = await updateServiceImage(engine, service, image, { signal: io.signal, ...(authHeader ? { authHeader } : {}) });
        io.stdout.write(`${service}\n`);
        for (const warning of result.warnings) io.stderr.write(`${warning}\n`);
        if (!args.values.detach) await waitAll(engine, [result.service.ID], args, io);
        return 0;
    },
};

function checkVerifyArguments(args: ParsedArgs, url: string): void {
    if (args.values.detach) throw new UsageError('--verify watches the update: it cannot go with --detach');
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new UsageError(`--verify takes an http:// URL (got ${url})`);
    }
    if (parsed.protocol !== 'http:') throw new UsageError(`--verify takes an http:// URL (got ${url})`);
    const interval = Number(args.values['verify-interval'] ?? 100);
    if (!(interval >= 10 && interval <= 10_000)) throw new UsageError('--verify-interval takes 10 to 10000 milliseconds');
}
