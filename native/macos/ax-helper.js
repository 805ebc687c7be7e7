/* global ObjC, $, Ref */
// The AX helper of src/platform/a11y/ax.ts: JavaScript for Automation, run as
// `osascript -l JavaScript ax-helper.js`. Protocol (src/platform/a11y/helper-process.ts): one
// greeting line, then for each stdin line "x y" (global display points) exactly one stdout
// line: null, or the element's JSON. console.log goes to stderr under osascript, so replies are written to
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

function answer(line, systemWide) {
  try {
    var parts = line.trim().split(/\s+/);
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
