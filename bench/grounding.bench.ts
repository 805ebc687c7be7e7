/**
 * Grounding on a labelled live set (issue 11 §3): LibreOffice Impress on a 1920×1080 Xvfb
 * (+ openbox), ~20 click targets in four screen states (idle; editing the title, when the
 * sidebar shows Bold, Italic…; the Format menu open; the Character dialog open). Icon-only
 * targets (toolbar buttons, sidebar tabs, the dialog's ×) and text targets (menus, menu items,
 * dialog buttons and tabs).
 *
 * Labels are found apart from any grounder: the element of that exact name (or, for the
 * sidebar's unnamed tab buttons, exact label) and role in the accessibility tree; the ×
 * from the dialog's X geometry (the strip above its client area, right end). A grounder hits
 * when its point lies inside the label's rectangle.
 *
 * Grounders by name through `selectGrounder`, default `a11y,ocr`; others (e.g. `visual`,
 * `auto`) with BENCH_GROUNDERS=a11y,ocr,auto. Reported per grounder: hits / total, median and
 * max ms per target (a11y: a fresh walk of the tree each time, nothing cached), and the misses.
 * Wall time on a shared machine follows its load (also reported), so for a11y the CPU time a
 * query costs is reported too, summed over the three processes that do the work (this one,
 * soffice.bin answering, the accessibility bus's dbus-daemon routing): about what the query
 * takes on an idle core.
 * Run: npm run bench -- grounding
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Grounder, GroundingResult } from '../src/agents/grounding/grounder.js';
import { selectGrounder } from '../src/agents/grounding/select.js';
import { createAtspiProvider } from '../src/platform/a11y/atspi.js';
import type { Rect } from '../src/core/actions.js';
import {
  click,
  findWindows,
  key,
  screenshot,
  startDisplay,
  startImpress,
  waitFor,
  windowGeometry,
} from '../test/support/xsession.js';
import { median, report } from './report.js';

type State = 'idle' | 'editing' | 'menu' | 'dialog';

interface Target {
  readonly state: State;
  readonly description: string;
  readonly icon: boolean;
  /** The label: an element of the tree by exact name (or label) and role, or the dialog's ×. */
  readonly truth: { readonly name?: string; readonly label?: string; readonly role: string } | 'dialog close';
}

/** The label of an element of the tree with that exact name and role. */
const named = (name: string, role: string) => ({ name, role });
/** The label of an element with that exact label and role (the sidebar's unnamed tab buttons). */
const labelled = (label: string, role: string) => ({ label, role });
const target = (state: State, icon: boolean, description: string, truth: Target['truth']): Target => ({
  state,
  description,
  icon,
  truth,
});

const TARGETS: readonly Target[] = [
  target('idle', true, "the 'Save' icon in the toolbar", named('Save', 'push button')),
  target('idle', true, 'New Slide', named('New Slide', 'push button')),
  target('idle', true, 'the Undo arrow in the toolbar', named('Undo', 'push button')),
  target('idle', true, 'the Rectangle tool in the drawing toolbar', named('Rectangle', 'push button')),
  target('idle', true, "'Start from First Slide'", named('Start from First Slide', 'push button')),
  target('idle', true, 'the Navigator icon in the sidebar', labelled('Navigator', 'toggle button')),
  target('idle', true, 'the Gallery icon in the right sidebar', labelled('Gallery', 'toggle button')),
  target('idle', true, "'Close Sidebar Deck'", labelled('Close Sidebar Deck', 'push button')),
  target('idle', false, "the 'Master View' button", named('Master View', 'push button')),
  target('idle', false, 'the Slide Show menu', named('Slide Show', 'menu')),
  target('idle', false, "the 'Format' menu in the menu bar", named('Format', 'menu')),
  target('editing', true, 'the Bold button in the formatting toolbar', named('Bold', 'toggle button')),
  target('editing', true, "'Italic'", named('Italic', 'toggle button')),
  target('editing', true, 'the Shadow button', named('Shadow', 'toggle button')),
  target('menu', false, "'Character...'", named('Character...', 'menu item')),
  target('menu', false, 'the Paragraph... item in the open menu', named('Paragraph...', 'menu item')),
  target('dialog', true, 'the close button (×) of the Character dialog', 'dialog close'),
  target('dialog', false, 'the Cancel button', named('Cancel', 'push button')),
  target('dialog', false, "the 'Font Effects' tab", named('Font Effects', 'page tab')),
  target('dialog', false, "'Help'", named('Help', 'push button')),
];

const NAMES = (process.env.BENCH_GROUNDERS ?? 'a11y,ocr').split(',').filter(Boolean);
const SCREEN = { width: 1920, height: 1080 };

/** CPU milliseconds a process has used, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime
  } catch {
    return 0;
  }
}

/** The accessibility bus's dbus-daemon of the desktop whose runtime directory is `runtimeDir`. */
function accessibilityBusPid(runtimeDir: string | undefined): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('dbus-daemon') || !cmdline.includes('accessibility')) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`XDG_RUNTIME_DIR=${runtimeDir}`)) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}

const inside = (p: { x: number; y: number }, r: Rect) =>
  p.x >= r.left && p.x < r.right && p.y >= r.top && p.y < r.bottom;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-bench-grounding-'));
const session = await startDisplay(SCREEN);
// selectGrounder('a11y') connects to the desktop of this process's environment.
process.env.DISPLAY = session.env.DISPLAY;
process.env.DBUS_SESSION_BUS_ADDRESS = session.env.DBUS_SESSION_BUS_ADDRESS;
const truthTree = createAtspiProvider({ sessionBusAddress: session.env.DBUS_SESSION_BUS_ADDRESS });
const grounders: { name: string; grounder: Grounder }[] = [];
try {
  const impress = await startImpress(session, { profileDir: path.join(work, 'profile') });
  try {
    const busPid = accessibilityBusPid(session.env.XDG_RUNTIME_DIR);
    /** CPU ms of this process, soffice.bin and the bus, summed over the a11y queries. */
    const a11yCpu = [0, 0, 0];
    let a11yQueries = 0;
    const workCpu = (): number[] => {
      const own = process.cpuUsage();
      return [(own.user + own.system) / 1000, cpuMs(impress.pid), busPid ? cpuMs(busPid) : 0];
    };
    for (const name of NAMES)
      grounders.push({ name, grounder: (await selectGrounder(name, { device: 'cpu' })).grounder });
    const results = new Map<string, { ms: number[]; misses: string[]; hits: number; iconHits: number }>();
    for (const { name } of grounders) results.set(name, { ms: [], misses: [], hits: 0, iconHits: 0 });

    const enter = async (state: State): Promise<void> => {
      if (state === 'editing') await click(session, 850, 300);
      if (state === 'menu') {
        const format = (await truthTree.elements(20_000)).find((e) => e.name === 'Format' && e.role === 'menu');
        if (!format) throw new Error('no Format menu');
        await click(session, (format.rect.left + format.rect.right) >> 1, (format.rect.top + format.rect.bottom) >> 1);
      }
      if (state === 'dialog') {
        const item = (await truthTree.elements(20_000)).find((e) => e.name === 'Character...');
        if (!item) throw new Error('no Character... menu item');
        await click(session, (item.rect.left + item.rect.right) >> 1, (item.rect.top + item.rect.bottom) >> 1);
        await waitFor(
          'the Character dialog',
          async () => (await findWindows(session, '^Character$')).length > 0,
          30_000,
        );
      }
      // Not a still screen: the text cursor blinks while editing. The label lookup waits for the target.
      await sleep(1500);
    };

    const label = async (target: Target): Promise<Rect> => {
      if (target.truth === 'dialog close') {
        const g = await windowGeometry(session, '^Character$');
        if (!g) throw new Error('no Character dialog');
        return { left: g.x + g.width - 22, top: g.y - 19, right: g.x + g.width, bottom: g.y };
      }
      const t = target.truth;
      const found = await waitFor(
        `${JSON.stringify(t)} in the tree`,
        async () =>
          (await truthTree.elements(20_000)).find(
            (e) => e.role === t.role && (t.name !== undefined ? e.name === t.name : e.label === t.label),
          ),
        20_000,
        250,
      );
      return found.rect;
    };

    let state: State = 'idle';
    for (const target of TARGETS) {
      if (target.state !== state) {
        // States follow each other in the list's order: idle → editing → menu (opened from
        // editing is fine) → dialog.
        if (target.state === 'menu') await key(session, 'Escape');
        await enter(target.state);
        state = target.state;
      }
      const truth = await label(target);
      const frame = path.join(work, `${state}.png`);
      if (!fs.existsSync(frame)) await screenshot(session, frame);
      for (const { name, grounder } of grounders) {
        const cpuBefore = workCpu();
        const start = performance.now();
        // The frame is the screen as it is now: auto may ask the live tree first.
        const r: GroundingResult = await grounder.locate(target.description, frame, { live: true });
        const ms = performance.now() - start;
        if (name === 'a11y') {
          workCpu().forEach((after, i) => (a11yCpu[i]! += after - cpuBefore[i]!));
          a11yQueries += 1;
        }
        const stats = results.get(name)!;
        stats.ms.push(ms);
        const threshold = grounder.threshold ?? 0.5;
        if (r.found && r.score >= threshold && inside(r.point, truth)) {
          stats.hits += 1;
          if (target.icon) stats.iconHits += 1;
        } else {
          stats.misses.push(
            `${target.description} (${r.found ? `at ${r.point.x},${r.point.y} score ${r.score}` : r.reason})`,
          );
        }
      }
    }
    const numbers: Record<string, number | string> = {
      screen: '1920x1080 Xvfb, LibreOffice Impress',
      targets: TARGETS.length,
      iconTargets: TARGETS.filter((t) => t.icon).length,
    };
    for (const [name, s] of results) {
      numbers[`${name}Hits`] = `${s.hits}/${TARGETS.length}`;
      numbers[`${name}IconHits`] = `${s.iconHits}/${TARGETS.filter((t) => t.icon).length}`;
      numbers[`${name}MedianMs`] = Math.round(median(s.ms));
      numbers[`${name}MaxMs`] = Math.round(Math.max(...s.ms));
      if (s.misses.length) process.stdout.write(`${name} misses:\n  ${s.misses.join('\n  ')}\n`);
    }
    if (a11yQueries) {
      const [own, soffice, bus] = a11yCpu.map((ms) => Math.round(ms / a11yQueries)) as [number, number, number];
      numbers.a11yCpuMsPerQuery = own + soffice + bus;
      numbers.a11yCpuMsBench = own;
      numbers.a11yCpuMsSoffice = soffice;
      numbers.a11yCpuMsBus = busPid ? bus : 'bus daemon not found';
    }
    numbers.loadAvg1m = Math.round(os.loadavg()[0]! * 100) / 100;
    report('grounding', numbers);
  } finally {
    await impress.stop();
  }
} finally {
  for (const { grounder } of grounders) await (grounder as { close?: () => Promise<void> }).close?.();
  await truthTree.close();
  await session.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
