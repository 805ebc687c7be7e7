/* global ObjC, $, Ref */
// The AX helper of src/platform/a11y/ax.ts and src/platform/windows/helper-windows.ts:
// JavaScript for Automation, run as `osascript -l JavaScript ax-helper.js`. Protocol
// (src/platform/a11y/helper-process.ts): one greeting line, then for each stdin line exactly one
// stdout line:
//   "x y" (global display points)  null, or the element's JSON
//   "windows"                      the top-level windows' JSON array (null if listing failed)
//   "describe <id>"                null, or {"title","role","text","buttons","complete"} console.log goes to stderr under osascript, so replies are written to
// the stdout file handle directly.

ObjC.import('Foundation');
ObjC.import('AppKit');
ObjC.import('ApplicationServices');

// A hung application would otherwise hold every reply for AX's default of about 6 s; on the
// system-wide element this timeout applies to every element.
var MESSAGING_TIMEOUT_S = 0.5;
// AXValueType numbers (kAXValueTypeCGPoint, kAXValueTypeCGSize); the constants' names changed
// across SDKs, the numbers did not.
var CG_POINT = 1;
var CG_SIZE = 2;

var stdin = $.NSFileHandle.fileHandleWithStandardInput;
var stdout = $.NSFileHandle.fileHandleWithStandardOutput;

function writeLine(text) {
  stdout.writeData($(text + '\n').dataUsingEncoding($.NSUTF8StringEncoding));
}

// The attribute's raw CFTypeRef, or null when the element does not have it.
function rawAttribute(element, name) {
  var out = Ref();
  if ($.AXUIElementCopyAttributeValue(element, $(name), out) !== 0 || !out[0]) return null;
  return out[0];
}

// As an object: an element read from an attribute must be cast before it is passed back to AX.
function attribute(element, name) {
  var raw = rawAttribute(element, name);
  return raw ? ObjC.castRefToObject(raw) : null;
}

function text(element, name) {
  var value = attribute(element, name);
  return value && value.isKindOfClass($.NSString) ? value.js : '';
}

// The two numbers of an AXPosition (x, y) or AXSize (width, height).
function pair(element, name, type) {
  var raw = rawAttribute(element, name);
  if (!raw) return null;
  try {
    var out = Ref();
    if ($.AXValueGetValue(raw, type, out)) {
      var v = out[0];
      var numbers = type === CG_POINT ? [v.x, v.y] : [v.width, v.height];
      if (isFinite(numbers[0]) && isFinite(numbers[1])) return numbers;
    }
  } catch {
    // The bridge cannot always fill a struct through AXValueGetValue's untyped out-pointer;
    // the value's description ("x:10.000000 y:20.000000", "w:… h:…") carries the same numbers.
  }
  var match = /[xw]:(-?[\d.]+) [yh]:(-?[\d.]+)/.exec(ObjC.castRefToObject(raw).description.js);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

function appName(element) {
  var pid = Ref();
  if ($.AXUIElementGetPid(element, pid) !== 0) return '';
  var app = $.NSRunningApplication.runningApplicationWithProcessIdentifier(pid[0]);
  return app.isNil() || app.localizedName.isNil() ? '' : app.localizedName.js;
}

function describe(element) {
  var role = text(element, 'AXRole');
  // Same role name as AT-SPI's for password fields, so privacy rules need one check.
  if (text(element, 'AXSubrole') === 'AXSecureTextField') role = 'password text';
  // AXValue names only static text: for editable text it is what the person typed.
  var name =
    text(element, 'AXTitle') ||
    text(element, 'AXDescription') ||
    (role === 'AXStaticText' ? text(element, 'AXValue') : '');
  var position = pair(element, 'AXPosition', CG_POINT);
  var size = pair(element, 'AXSize', CG_SIZE);
  var rect =
    position && size
      ? { left: position[0], top: position[1], right: position[0] + size[0], bottom: position[1] + size[1] }
      : null;
  var window = role === 'AXWindow' ? element : attribute(element, 'AXWindow');
  return {
    name: name,
    role: role,
    rect: rect,
    windowTitle: window ? text(window, 'AXTitle') : '',
    appName: appName(element),
  };
}

// ---- the desktop's windows (src/platform/windows/helper-windows.ts)

var MAX_DESCRIBED = 200;

function flag(element, name) {
  var value = attribute(element, name);
  return value ? Boolean(value.boolValue) : false;
}

function children(element, name) {
  var list = attribute(element, name || 'AXChildren');
  var out = [];
  if (!list || !list.isKindOfClass($.NSArray)) return out;
  for (var i = 0; i < list.count; i++) out.push(list.objectAtIndex(i));
  return out;
}

function frameOf(element) {
  var position = pair(element, 'AXPosition', CG_POINT);
  var size = pair(element, 'AXSize', CG_SIZE);
  if (!position || !size || size[0] <= 0 || size[1] <= 0) return null;
  return { left: position[0], top: position[1], right: position[0] + size[0], bottom: position[1] + size[1] };
}

// Window numbers of on-screen windows (CGWindowList), so that a window keeps its id while it
// lives; AX has no public window number. Matched by process and bounds.
function windowNumbers() {
  var numbers = [];
  try {
    var raw = $.CGWindowListCopyWindowInfo(1, 0); // kCGWindowListOptionOnScreenOnly, kCGNullWindowID
    var list = ObjC.deepUnwrap(ObjC.castRefToObject(raw)) || [];
    list.forEach(function (w) {
      var b = w.kCGWindowBounds;
      if (b) numbers.push({ id: w.kCGWindowNumber, pid: w.kCGWindowOwnerPID, x: b.X, y: b.Y, w: b.Width, h: b.Height });
    });
  } catch {
    // Without CGWindowList the ids fall back to a hash (below).
  }
  return numbers;
}

// A hash of what identifies a window when CGWindowList does not know it: stable while the
// window neither moves nor changes title.
function fallbackId(pid, title, frame) {
  var key = pid + '|' + title + '|' + (frame ? [frame.left, frame.top, frame.right, frame.bottom].join(',') : '');
  var h = 0;
  for (var i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return (h >>> 1) + 1;
}

// AX subroles → the kinds of src/core/windows-diff.ts.
function kindOf(role, subrole) {
  if (role === 'AXSheet') return 'dialog';
  if (subrole === 'AXDialog' || subrole === 'AXSystemDialog') return 'dialog';
  if (subrole === 'AXFloatingWindow' || subrole === 'AXSystemFloatingWindow') return 'utility';
  if (subrole === 'AXStandardWindow') return 'normal';
  return 'unknown';
}

// Every window of every regular application, each sheet after its window; with the AX element
// of each, for "describe".
function desktopWindows() {
  var numbers = windowNumbers();
  var workspace = $.NSWorkspace.sharedWorkspace;
  var front = workspace.frontmostApplication;
  var frontPid = front.isNil() ? -1 : front.processIdentifier;
  var apps = workspace.runningApplications;
  var found = [];
  for (var a = 0; a < apps.count; a++) {
    var app = apps.objectAtIndex(a);
    if (app.activationPolicy !== $.NSApplicationActivationPolicyRegular) continue;
    var pid = app.processIdentifier;
    var name = app.localizedName.isNil() ? '' : app.localizedName.js;
    var axApp = $.AXUIElementCreateApplication(pid);
    $.AXUIElementSetMessagingTimeout(axApp, MESSAGING_TIMEOUT_S);
    children(axApp, 'AXWindows').forEach(function (window) {
      var entry = describeWindow(window, pid, name, null, numbers);
      var sheets = children(window).filter(function (c) {
        return text(c, 'AXRole') === 'AXSheet';
      });
      entry.reply.active =
        pid === frontPid && sheets.length === 0 && (flag(window, 'AXMain') || flag(window, 'AXFocused'));
      found.push(entry);
      sheets.forEach(function (sheet) {
        var s = describeWindow(sheet, pid, name, entry.reply.id, numbers);
        s.reply.active = pid === frontPid && flag(window, 'AXMain');
        found.push(s);
      });
    });
  }
  return found;
}

function describeWindow(window, pid, app, parentId, numbers) {
  var role = text(window, 'AXRole');
  var subrole = text(window, 'AXSubrole');
  var title = text(window, 'AXTitle');
  var minimized = flag(window, 'AXMinimized');
  var frame = minimized ? null : frameOf(window);
  var match = frame
    ? numbers.filter(function (n) {
        return (
          n.pid === pid &&
          Math.round(n.x) === Math.round(frame.left) &&
          Math.round(n.y) === Math.round(frame.top) &&
          Math.round(n.w) === Math.round(frame.right - frame.left) &&
          Math.round(n.h) === Math.round(frame.bottom - frame.top)
        );
      })[0]
    : null;
  return {
    element: window,
    reply: {
      id: match ? match.id : fallbackId(pid, title, frame),
      title: title,
      kind: kindOf(role, subrole),
      modal: role === 'AXSheet' || flag(window, 'AXModal'),
      transientFor: parentId,
      pid: pid,
      app: app,
      // AX gives the whole window; its title bar is not told apart from the content.
      rect: frame,
      frame: frame,
      active: false,
      hidden: minimized,
    },
  };
}

function windowsReply() {
  return JSON.stringify(
    desktopWindows().map(function (w) {
      return w.reply;
    }),
  );
}

// A window's words: static texts and buttons, breadth first, at most MAX_DESCRIBED objects.
function describeReply(id) {
  var window = desktopWindows().filter(function (w) {
    return w.reply.id === id;
  })[0];
  if (!window) return 'null';
  var texts = [];
  var buttons = [];
  var queue = children(window.element);
  var seen = 0;
  while (queue.length > 0 && seen < MAX_DESCRIBED) {
    var element = queue.shift();
    seen++;
    var role = text(element, 'AXRole');
    if (role === 'AXStaticText') {
      var value = text(element, 'AXValue') || text(element, 'AXTitle');
      if (value && texts.indexOf(value) < 0) texts.push(value);
    } else if (role === 'AXButton') {
      var name = text(element, 'AXTitle') || text(element, 'AXDescription');
      if (name && buttons.indexOf(name) < 0) buttons.push(name);
    } else if (role !== 'AXTable' && role !== 'AXOutline' && role !== 'AXList' && role !== 'AXBrowser') {
      queue = queue.concat(children(element));
    }
  }
  var subrole = text(window.element, 'AXSubrole');
  return JSON.stringify({
    title: window.reply.title,
    role: subrole || text(window.element, 'AXRole'),
    text: texts,
    buttons: buttons,
    complete: queue.length === 0,
  });
}

function answer(line, systemWide) {
  try {
    var parts = line.trim().split(/\s+/);
    if (parts[0] === 'windows') return windowsReply();
    if (parts[0] === 'describe' && parts.length === 2) return describeReply(Number(parts[1]));
    var x = Number(parts[0]);
    var y = Number(parts[1]);
    if (parts.length !== 2 || !isFinite(x) || !isFinite(y)) return 'null';
    var out = Ref();
    if ($.AXUIElementCopyElementAtPosition(systemWide, x, y, out) !== 0 || !out[0]) return 'null';
    return JSON.stringify(describe(ObjC.castRefToObject(out[0])));
  } catch {
    // A vanished element or an application that stopped answering: "unknown", and on to the next.
    return 'null';
  }
}

function main() {
  // Trust belongs to the responsible process (the app that started PC Agent), not osascript.
  if (!$.AXIsProcessTrusted()) {
    writeLine(
      JSON.stringify({
        ready: false,
        error:
          'Accessibility permission missing: allow the app running PC Agent in System Settings › ' +
          'Privacy & Security › Accessibility, then restart it',
      }),
    );
    return;
  }
  var systemWide = $.AXUIElementCreateSystemWide();
  $.AXUIElementSetMessagingTimeout(systemWide, MESSAGING_TIMEOUT_S);
  writeLine(JSON.stringify({ ready: true }));
  var pending = '';
  for (;;) {
    var data = stdin.availableData; // blocks until input; empty at end of input
    if (data.length === 0) return;
    pending += $.NSString.alloc.initWithDataEncoding(data, $.NSUTF8StringEncoding).js;
    var newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      writeLine(answer(pending.slice(0, newline), systemWide));
      pending = pending.slice(newline + 1);
    }
  }
}

main();
