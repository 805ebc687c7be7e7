/**
 * Electron main process, kept thin: windows, tray, global shortcuts, single instance, the data
 * directory, and IPC handlers that validate every input against the API contract before calling
 * the same back end as `pcagent ui --web`. The only module (with the preload) that imports electron.
 *
 * While a recording runs the window is hidden (and, whenever it is shown, its rectangle is
 * excluded from the recording); the tray icon shows idle / recording / paused and pauses,
 * finishes or fails it; global shortcuts stop the recording and abort the agent from any program.
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
  screen,
  session,
  Tray,
} from 'electron';
import type { AgentRunDto, ApiReply, SettingsDto, TrackerStateDto } from '../api/contract.js';
import type { Rect } from '../core/actions.js';
import { APP_DIR_NAME } from '../library/home.js';
import { Library } from '../library/library.js';
import { DEFAULT_HOTKEYS } from '../library/settings.js';
import { tuneAllocator } from '../platform/allocator.js';
import { createBackend, errorKind, type Backend } from '../server/handlers.js';
import { loadRendererBundle, RENDERER_CSP } from '../server/renderer-bundle.js';
import { menuKey, type ShellCommand, shellView } from './shell.js';
import { TRAY_ICONS } from './tray-icons.js';

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://pcagent`;

const MIME: Record<string, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };

/**
 * Electron's user-data folder is `<appData>/<app name>`, and a packaged app's name is its
 * productName ("PC Agent"): pin it to the CLI's folder name so both open the same library.
 */
function pinUserData(): void {
  app.setPath('userData', path.join(app.getPath('appData'), APP_DIR_NAME));
}

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

/**
 * A window's rectangle in the pixels the input hooks report: physical pixels on X11 and
 * Windows, points on macOS (Electron's bounds are in points everywhere).
 */
function hookRect(win: BrowserWindow): Rect {
  const b = win.getBounds();
  if (process.platform === 'darwin') return { left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height };
  const topLeft = screen.dipToScreenPoint({ x: b.x, y: b.y });
  const bottomRight = screen.dipToScreenPoint({ x: b.x + b.width, y: b.y + b.height });
  return { left: topLeft.x, top: topLeft.y, right: bottomRight.x, bottom: bottomRight.y };
}

/** Keeps the back end told where the window is while it is visible, so a recording never sees clicks on it. */
function excludeFromRecordings(win: BrowserWindow, backend: Backend): void {
  const id = win.id;
  const visible = () => backend.setOwnWindow(id, hookRect(win));
  const hidden = () => backend.setOwnWindow(id, null);
  win.on('show', visible);
  win.on('restore', visible);
  win.on('move', visible);
  win.on('resize', visible);
  win.on('hide', hidden);
  win.on('minimize', hidden);
  win.on('closed', hidden);
}

/** The settings' hotkeys, or the defaults when they cannot be read. */
async function hotkeys(backend: Backend): Promise<SettingsDto['hotkeys']> {
  try {
    const settings = (await backend.call('settings.get', {})) as SettingsDto;
    return { ...DEFAULT_HOTKEYS, ...settings.hotkeys };
  } catch {
    return DEFAULT_HOTKEYS;
  }
}

async function main(): Promise<void> {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
  pinUserData();
  // The recorder and agents run in this process for hours: keep its C heap from fragmenting.
  tuneAllocator();
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

  let win: BrowserWindow | null = null;
  const open = (): BrowserWindow => {
    if (!win || win.isDestroyed()) {
      win = createWindow();
      excludeFromRecordings(win, backend);
    }
    return win;
  };
  const show = () => {
    const w = open();
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
  };
  open();
  app.on('second-instance', show);
  const notice = (message: string) => {
    if (win && !win.isDestroyed()) win.webContents.send('pcagent:event', 'notice', { level: 'error', message });
  };

  const stopRecording = (outcome: 'finished' | 'failed') => {
    backend.stopLive(outcome).catch((err: unknown) => notice((err as Error).message));
  };
  const abortAgent = () => {
    backend.call('agent.stop', {}).catch((err: unknown) => notice(`agent: ${(err as Error).message}`));
  };
  // Read once at start-up: a changed shortcut applies from the next start.
  const keys = await hotkeys(backend);
  for (const [accelerator, what, fn] of [
    [keys.stopRecording, 'stop-recording', () => stopRecording('finished')],
    [keys.abortAgent, 'abort-agent', abortAgent],
  ] as const) {
    if (!globalShortcut.register(accelerator, fn)) {
      process.stderr.write(`pcagent: the ${what} shortcut ${accelerator} is taken by another program\n`);
    }
  }

  const tray = new Tray(nativeImage.createFromDataURL(TRAY_ICONS.idle));
  tray.on('click', show);
  // The shell follows the back end's state (policy in shell.ts): window hidden or not, tray.
  const commands: Record<ShellCommand, () => void> = {
    pause: () => backend.setRecordingPaused(true),
    resume: () => backend.setRecordingPaused(false),
    finish: () => stopRecording('finished'),
    fail: () => stopRecording('failed'),
    'stop-agent': abortAgent,
    show,
    quit: () => app.quit(),
  };
  let tracker: TrackerStateDto | null = null;
  let agent: AgentRunDto | null = null;
  let hidden = false;
  let shownMenu = '';
  const follow = () => {
    const view = shellView(tracker, agent, keys);
    tray.setToolTip(view.tooltip);
    // The menu is rebuilt only when it changes (live counts arrive several times a second).
    const key = menuKey(view);
    if (key !== shownMenu) {
      shownMenu = key;
      tray.setImage(nativeImage.createFromDataURL(TRAY_ICONS[view.tray]));
      tray.setContextMenu(
        Menu.buildFromTemplate(
          view.menu.map((m) =>
            m.type === 'separator'
              ? { type: 'separator' as const }
              : { label: m.label, enabled: m.enabled, ...(m.command ? { click: commands[m.command] } : {}) },
          ),
        ),
      );
    }
    if (view.windowHidden === hidden) return;
    hidden = view.windowHidden;
    if (hidden && win && !win.isDestroyed()) win.hide();
    else if (!hidden) show();
  };
  backend.on((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send('pcagent:event', event, payload);
    if (event === 'tracker') tracker = payload as TrackerStateDto;
    else if (event === 'agent') agent = payload as AgentRunDto;
    else return;
    follow();
  });
  tracker = (await backend.call('tracker.state', {})) as TrackerStateDto;
  follow();

  // Closing the window keeps the tray (a recording may be running); Quit ends the app.
  app.on('window-all-closed', () => {});
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    globalShortcut.unregisterAll();
    // Closing the back end finishes a running recording (stopLive is idempotent).
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
