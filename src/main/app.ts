/**
 * Electron main process, kept thin: windows, tray, global shortcut, single instance, the data
 * directory, and IPC handlers that validate every input against the API contract before calling
 * the same back end as `pcagent ui --web`. The only module (with the preload) that imports electron.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  globalShortcut,
  ipcMain,
  type IpcMainInvokeEvent,
  Menu,
  nativeImage,
  protocol,
  session,
  Tray,
} from 'electron';
import type { ApiReply } from '../api/contract.js';
import { Library } from '../library/library.js';
import { DEFAULT_HOTKEYS, readSettings } from '../library/settings.js';
import { createBackend, errorKind, type Backend } from '../server/handlers.js';
import { loadRendererBundle, RENDERER_CSP } from '../server/renderer-bundle.js';

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://pcagent`;
const TRAY_ICON =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAACXBIWXMAAAsTAAALEwEAmpwYAAAB/ElEQVRYhe1Xu05CQRC9hdrrP6iRyC6+KgsqP4HCWYmdlaVG/0Bt1Virv2DlOzGxs5AZVHwU2tArAjZ4zVwSfMSdu8BSmHiSSW7Yxzk7OzM7BME//hKSJjeoAZc00JE2dKOBXiOrfx/xGM/xTjySxXENeKwNhS6mAM810GTbxGNzF93a4JY2+O5K/mn4rgxu8h4tkScy+T4FeNo88Q9vGDxJAvY2fXJl8KRd8oYBnSUy+R5nATpyuyfyRlzQhhN5ytBEa3ceHxNJwLFYASrG9ROz+XBttxjiQyWsvNUi4+/VnWI0JscDHYrkI1kakjaYmi+Et0/V0IbCYzWaI+0h1gllcFk6uUT+VUSMJxatAnS9wv26kN3uipXtohSMB5IH7mwL6aHiLCB3X5ZSsmD3gMGSbWG5WnMWwHOFbCgJV4AvPgS8VuwCFOCzFAO3Hb8CQzdCDNChbSHnuZ8gxH3pCpakNOQUiwPPGRfSUAEtWAWkpq/64wqRJMKlEKns5YBVACOu8eDTsYv5njkw2XJ35eg36eROpZihIZ/SgDVpo44+RgzuZLwLAFoPmmrFwL0H9N6QMLiN8tIVAR433ZJ9a82ANlpqUDiOgNbT6dOuoF2omcthbXDPlZyjPWlyo4FvpOp1YpGf1OjPSPR4YUkBXnOF4zGe4534H0EH8QFre8ph7Y0sMQAAAABJRU5ErkJggg==';

const MIME: Record<string, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };

/** The data directory: PCAGENT_HOME when set, else Electron's user-data folder (same as the CLI's default). */
function dataDirectory(): string {
  const env = process.env.PCAGENT_HOME;
  return path.resolve(env ? env : app.getPath('userData'));
}

/** Only our own page may call the API. */
function fromOurPage(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return url.startsWith(`${ORIGIN}/`);
}

function reply<T>(fn: () => Promise<T>): Promise<ApiReply<T>> {
  return fn().then(
    (result) => ({ ok: true, result }) as const,
    (err: unknown) => ({ ok: false, error: { kind: errorKind(err), message: (err as Error).message } }) as const,
  );
}

function registerIpc(backend: Backend): void {
  ipcMain.handle('pcagent:call', (event, method: unknown, input: unknown) =>
    reply(async () => {
      if (!fromOurPage(event)) throw new Error('refused: the API is only for the PC Agent window');
      // backend.call validates `method` and `input` against the contract (zod) before anything runs.
      return backend.call(String(method), input);
    }),
  );
  ipcMain.handle('pcagent:frame', (event, frameId: unknown) =>
    reply(async () => {
      if (!fromOurPage(event)) throw new Error('refused: the API is only for the PC Agent window');
      if (typeof frameId !== 'number' || !Number.isSafeInteger(frameId) || frameId < 1)
        throw new Error('frame id: expected a whole number ≥ 1');
      const { file, format } = backend.framePath(frameId);
      const data = await fs.promises.readFile(file);
      return `data:${MIME[format] ?? 'application/octet-stream'};base64,${data.toString('base64')}`;
    }),
  );
}

/** Serves the bundled renderer on app://pcagent/ with the strict CSP; nothing else is loaded. */
function registerProtocol(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'pcagent') return new Response('not found', { status: 404 });
    const bundle = await loadRendererBundle();
    const headers = { 'Content-Security-Policy': RENDERER_CSP, 'X-Content-Type-Options': 'nosniff' };
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return new Response(bundle.html.replaceAll('__TOKEN__', ''), {
          headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8' },
        });
      case '/app.js':
        return new Response(bundle.js, { headers: { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' } });
      case '/styles.css':
        return new Response(bundle.css, { headers: { ...headers, 'Content-Type': 'text/css; charset=utf-8' } });
      default:
        return new Response('not found', { status: 404 });
    }
  });
}

function lockDown(): void {
  // No remote content: deny every permission, every new window and every navigation away.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const ok =
      details.url.startsWith(`${ORIGIN}/`) || details.url.startsWith('data:') || details.url.startsWith('devtools:');
    callback({ cancel: !ok });
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'PC Agent',
    show: false,
    webPreferences: {
      preload: path.join(import.meta.dirname, 'preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${ORIGIN}/#tracker`);
  return win;
}

async function main(): Promise<void> {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  const lib = Library.open(dataDirectory());
  const backend = createBackend(lib);
  lockDown();
  registerProtocol();
  registerIpc(backend);

  let win: BrowserWindow | null = createWindow();
  const show = () => {
    if (!win || win.isDestroyed()) win = createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  app.on('second-instance', show);
  backend.on((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send('pcagent:event', event, payload);
  });

  const stop = () => {
    backend.stopLive('finished').catch((err: unknown) => {
      if (win && !win.isDestroyed())
        win.webContents.send('pcagent:event', 'notice', { level: 'error', message: (err as Error).message });
    });
  };
  // The Settings screen's stop shortcut, registered at start-up (the recorder's own chord,
  // read at each recording's start, follows a change at once).
  let stopShortcut: string = DEFAULT_HOTKEYS.stopRecording;
  try {
    stopShortcut = readSettings(lib.home).hotkeys.stopRecording;
  } catch (err) {
    process.stderr.write(`pcagent: ${(err as Error).message}; using ${stopShortcut}\n`);
  }
  if (!globalShortcut.register(stopShortcut, stop)) {
    process.stderr.write(`pcagent: the stop shortcut ${stopShortcut} is taken by another program\n`);
  }

  const tray = new Tray(nativeImage.createFromDataURL(TRAY_ICON));
  tray.setToolTip('PC Agent');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show PC Agent', click: show },
      { label: 'Stop recording', click: stop },
      { type: 'separator' },
      { label: 'Quit', click: () => app.quit() },
    ]),
  );
  tray.on('click', show);

  // Closing the window keeps the tray (a recording may be running); Quit ends the app.
  app.on('window-all-closed', () => {});
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    globalShortcut.unregisterAll();
    void backend.close().finally(() => {
      lib.close();
      tray.destroy();
      app.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`pcagent: ${(err as Error).message}\n`);
  app.exit(1);
});
