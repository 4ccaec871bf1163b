/**
 * The few pieces of the `vscode` module that the extension's SwarmModel and DockerSession use (event emitter,
 * disposable, setContext, settings), so that benches run them in plain Node as a visible view holds them.
 */
import Module from 'module';

/** `settings`: values `getConfiguration(section).get(key)` answers (by key); anything else gets the caller's default. */
function vscodeStandIn(settings: Record<string, unknown>): unknown {
    class Disposable {
        constructor(private readonly callOnDispose: () => void) {}
        dispose(): void {
            this.callOnDispose();
        }
    }
    class EventEmitter<T> {
        private listeners = new Set<(value: T) => void>();
        readonly event = (listener: (value: T) => void): Disposable => {
            this.listeners.add(listener);
            return new Disposable(() => this.listeners.delete(listener));
        };
        fire(value: T): void {
            for (const listener of [...this.listeners]) listener(value);
        }
        dispose(): void {
            this.listeners.clear();
        }
    }
    return {
        Disposable,
        EventEmitter,
        commands: { executeCommand: async () => undefined },
        workspace: {
            getConfiguration: () => ({ get: <T>(key: string, fallback: T) => (key in settings ? (settings[key] as T) : fallback) }),
            onDidChangeConfiguration: () => new Disposable(() => undefined),
        },
    };
}

/** Answers `require('vscode')` with the stand-in from now on; require the extension's modules after this. */
export function installVscodeStandIn(settings: Record<string, unknown> = {}): void {
    const standIn = vscodeStandIn(settings);
    const moduleWithLoad = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
    const load = moduleWithLoad._load;
    moduleWithLoad._load = function (request: string, parent: unknown, isMain: boolean): unknown {
        return request === 'vscode' ? standIn : load.call(this, request, parent, isMain);
    };
}

/** A LogOutputChannel that says nothing. */
export const silentLog = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, dispose() {} };
