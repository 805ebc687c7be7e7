# The UI Automation helper of src/platform/a11y/uia.ts and src/platform/windows/helper-windows.ts,
# for Windows PowerShell 5.1. Protocol (src/platform/a11y/helper-process.ts): one greeting line,
# then for each stdin line exactly one stdout line:
#   "x y" (physical screen pixels)  null, or the element's JSON
#   "windows"                       the top-level windows' JSON array (null if listing failed)
#   "describe <hwnd>"               null, or {"title","role","text","buttons","complete"}
# Nothing else may reach stdout, so every call whose value is unused is cast to [void].

$ErrorActionPreference = 'Stop'

# Writes one line of JSON. The console code page would mangle non-ASCII names, so anything
# outside ASCII is written as a \u escape, which survives every code page.
function Write-JsonLine($value) {
    $json = ConvertTo-Json -InputObject $value -Compress -Depth 4
    $ascii = [regex]::Replace($json, '[^\u0000-\u007F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    [Console]::Out.WriteLine($ascii)
    [Console]::Out.Flush()
}

# UI Automation answers in the caller's DPI context: only a per-monitor aware process gets
# physical pixels on every monitor. This must happen before anything creates a window.
function Set-PerMonitorDpiAwareness {
    Add-Type -Namespace PcAgent -Name Dpi -MemberDefinition @'
[DllImport("user32.dll")] public static extern bool SetProcessDpiAwarenessContext(IntPtr value);
[DllImport("user32.dll")] public static extern IntPtr SetThreadDpiAwarenessContext(IntPtr value);
[DllImport("shcore.dll")] public static extern int SetProcessDpiAwareness(int value);
[DllImport("user32.dll")] public static extern bool SetProcessDPIAware();
'@
    $perMonitorV2 = [IntPtr]::new(-4)  # DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2, Windows 10 1703+
    try { if ([PcAgent.Dpi]::SetProcessDpiAwarenessContext($perMonitorV2)) { return } } catch { }
    try { if ([PcAgent.Dpi]::SetProcessDpiAwareness(2) -eq 0) { return } } catch { }  # per-monitor, 8.1+
    # The process default may already be fixed (a manifest); the thread's context still rules
    # this thread's calls, and UI Automation is called from this thread only.
    try { if ([PcAgent.Dpi]::SetThreadDpiAwarenessContext($perMonitorV2) -ne [IntPtr]::Zero) { return } } catch { }
    [void][PcAgent.Dpi]::SetProcessDPIAware()  # system aware: exact on the primary monitor only
}

# Process names by id: Process.ProcessName of another process enumerates every process, too slow
# for each click. Ids are reused only after a process ends, so a small cache rarely goes stale.
$processNames = @{}
function Get-ProcessName([int]$id) {
    if (-not $processNames.ContainsKey($id)) {
        if ($processNames.Count -ge 256) { $processNames.Clear() }
        $name = ''
        try { $name = [System.Diagnostics.Process]::GetProcessById($id).ProcessName } catch { }
        $processNames[$id] = $name
    }
    return $processNames[$id]
}

# The top-level window holding the element: the last ancestor below the desktop root.
function Get-TopLevel($element) {
    $current = $element
    for ($depth = 0; $depth -lt 64; $depth++) {
        $parent = $walker.GetParent($current)
        if ($null -eq $parent -or [System.Windows.Automation.Automation]::Compare($parent, $root)) { return $current }
        $current = $parent
    }
    return $current
}

# The desktop's top-level windows through user32 (EnumWindows): UI Automation puts a modal
# dialog under its owner in the tree, while the window manager's view (what a person sees as
# windows) is the list of visible top-level HWNDs, owned dialogs included.
function Add-DesktopWindowTypes {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
namespace PcAgent {
  public class TopWindow {
    public long Id; public string Title; public string ClassName; public uint Pid; public long Owner;
    public bool OwnerDisabled; public bool Tool; public bool Active; public bool Hidden;
    public int[] Client; public int[] Frame;
  }
  public static class DesktopWindows {
    delegate bool EnumProc(IntPtr hwnd, IntPtr lParam);
    [StructLayout(LayoutKind.Sequential)] struct RECT { public int Left, Top, Right, Bottom; }
    [StructLayout(LayoutKind.Sequential)] struct POINT { public int X, Y; }
    [DllImport("user32.dll")] static extern bool EnumWindows(EnumProc cb, IntPtr lParam);
    [DllImport("user32.dll")] static extern bool IsWindowVisible(IntPtr h);
    [DllImport("user32.dll")] static extern bool IsIconic(IntPtr h);
    [DllImport("user32.dll")] static extern bool IsWindowEnabled(IntPtr h);
    [DllImport("user32.dll", CharSet = CharSet.Unicode)] static extern int GetWindowTextW(IntPtr h, StringBuilder s, int n);
    [DllImport("user32.dll")] static extern int GetWindowTextLengthW(IntPtr h);
    [DllImport("user32.dll", CharSet = CharSet.Unicode)] static extern int GetClassNameW(IntPtr h, StringBuilder s, int n);
    [DllImport("user32.dll")] static extern uint GetWindowThreadProcessId(IntPtr h, out uint pid);
    [DllImport("user32.dll")] static extern IntPtr GetWindow(IntPtr h, uint cmd);
    [DllImport("user32.dll")] static extern IntPtr GetForegroundWindow();
    [DllImport("user32.dll")] static extern bool GetWindowRect(IntPtr h, out RECT r);
    [DllImport("user32.dll")] static extern bool GetClientRect(IntPtr h, out RECT r);
    [DllImport("user32.dll")] static extern bool ClientToScreen(IntPtr h, ref POINT p);
    [DllImport("user32.dll", EntryPoint = "GetWindowLongW")] static extern int GetWindowLong32(IntPtr h, int index);
    [DllImport("user32.dll", EntryPoint = "GetWindowLongPtrW")] static extern IntPtr GetWindowLong64(IntPtr h, int index);
    [DllImport("dwmapi.dll")] static extern int DwmGetWindowAttribute(IntPtr h, int attr, out RECT r, int size);
    [DllImport("dwmapi.dll")] static extern int DwmGetWindowAttribute(IntPtr h, int attr, out int v, int size);
    const uint GW_OWNER = 4;
    const int GWL_EXSTYLE = -20;
    const long WS_EX_TOOLWINDOW = 0x80;
    const int DWMWA_EXTENDED_FRAME_BOUNDS = 9;
    const int DWMWA_CLOAKED = 14;

    static long ExStyle(IntPtr h) {
      return IntPtr.Size == 8 ? GetWindowLong64(h, GWL_EXSTYLE).ToInt64() : GetWindowLong32(h, GWL_EXSTYLE);
    }

    // Visible, not cloaked (a UWP app suspended in the background, a window on another virtual
    // desktop), with an area: the windows a person can see or restore.
    public static List<TopWindow> List() {
      var list = new List<TopWindow>();
      IntPtr foreground = GetForegroundWindow();
      EnumProc visit = (h, l) => {
        if (!IsWindowVisible(h)) return true;
        int cloaked;
        if (DwmGetWindowAttribute(h, DWMWA_CLOAKED, out cloaked, 4) == 0 && cloaked != 0) return true;
        RECT frame;
        // The visible frame (without the invisible resize borders of Windows 10/11).
        if (DwmGetWindowAttribute(h, DWMWA_EXTENDED_FRAME_BOUNDS, out frame, 16) != 0 && !GetWindowRect(h, out frame)) return true;
        bool iconic = IsIconic(h);
        if (!iconic && (frame.Right <= frame.Left || frame.Bottom <= frame.Top)) return true;
        var w = new TopWindow();
        w.Id = h.ToInt64();
        var title = new StringBuilder(GetWindowTextLengthW(h) + 1);
        GetWindowTextW(h, title, title.Capacity);
        w.Title = title.ToString();
        var cls = new StringBuilder(256);
        GetClassNameW(h, cls, cls.Capacity);
        w.ClassName = cls.ToString();
        uint pid;
        GetWindowThreadProcessId(h, out pid);
        w.Pid = pid;
        IntPtr owner = GetWindow(h, GW_OWNER);
        w.Owner = owner.ToInt64();
        // A modal dialog disables its owner for as long as it is open.
        w.OwnerDisabled = owner != IntPtr.Zero && !IsWindowEnabled(owner);
        w.Tool = (ExStyle(h) & WS_EX_TOOLWINDOW) != 0;
        w.Active = h == foreground;
        w.Hidden = iconic;
        w.Frame = new int[] { frame.Left, frame.Top, frame.Right, frame.Bottom };
        RECT client;
        POINT origin = new POINT();
        if (GetClientRect(h, out client) && ClientToScreen(h, ref origin)) {
          w.Client = new int[] { origin.X, origin.Y, origin.X + client.Right, origin.Y + client.Bottom };
        }
        list.Add(w);
        return true;
      };
      EnumWindows(visit, IntPtr.Zero);
      GC.KeepAlive(visit);
      // EnumWindows goes from the top of the z-order down; bottom first is closer to "oldest first".
      list.Reverse();
      return list;
    }
  }
}
'@
}

function ConvertTo-RectReply($sides) {
    if ($null -eq $sides -or $sides[2] -le $sides[0] -or $sides[3] -le $sides[1]) { return $null }
    return [ordered]@{ left = $sides[0]; top = $sides[1]; right = $sides[2]; bottom = $sides[3] }
}

# The kinds of src/core/windows-diff.ts, from the window class and styles.
function Get-WindowKind($w) {
    switch ($w.ClassName) {
        '#32770' { return 'dialog' }
        '#32768' { return 'popup-menu' }
        'tooltips_class32' { return 'tooltip' }
        'Shell_TrayWnd' { return 'dock' }
        'Shell_SecondaryTrayWnd' { return 'dock' }
        'Progman' { return 'desktop' }
        'WorkerW' { return 'desktop' }
    }
    if ($w.Tool) { return 'utility' }
    if ($w.Owner -ne 0) { return 'dialog' }
    return 'normal'
}

function Get-WindowsReply {
    $windows = @(foreach ($w in [PcAgent.DesktopWindows]::List()) {
        $client = ConvertTo-RectReply $w.Client
        [ordered]@{
            id           = $w.Id
            title        = [string]$w.Title
            kind         = Get-WindowKind $w
            modal        = $w.OwnerDisabled
            transientFor = $w.Owner
            pid          = $w.Pid
            app          = Get-ProcessName $w.Pid
            rect         = if ($w.Hidden) { $null } else { $client }
            frame        = if ($w.Hidden) { $null } else { ConvertTo-RectReply $w.Frame }
            active       = $w.Active
            hidden       = $w.Hidden
        }
    })
    # The comma keeps an empty or one-window list an array through PowerShell's unrolling.
    return , $windows
}

# A window's words: the names of its Text elements and of its Buttons that are on screen, in
# tree order. Few dialogs hold more than a few dozen; a window full of data is cut off.
$maxDescribed = 200
function Get-DescribeReply([long]$handle) {
    $window = [System.Windows.Automation.AutomationElement]::FromHandle([IntPtr]::new($handle))
    if ($null -eq $window) { return $null }
    $type = [System.Windows.Automation.AutomationElement]::ControlTypeProperty
    $condition = [System.Windows.Automation.OrCondition]::new(
        [System.Windows.Automation.PropertyCondition]::new($type, [System.Windows.Automation.ControlType]::Text),
        [System.Windows.Automation.PropertyCondition]::new($type, [System.Windows.Automation.ControlType]::Button))
    $found = $window.FindAll([System.Windows.Automation.TreeScope]::Descendants, $condition)
    $title = [string]$window.Current.Name
    $text = [System.Collections.Generic.List[string]]::new()
    $buttons = [System.Collections.Generic.List[string]]::new()
    $count = 0
    foreach ($element in $found) {
        if (++$count -gt $maxDescribed) { break }
        $info = $element.Current
        $name = ([string]$info.Name -replace '\s+', ' ').Trim()
        if ($info.IsOffscreen -or $name -eq '' -or $name -eq $title) { continue }
        # Assigned inside the branches: `$x = if … { $list }` would unroll the list.
        if ($info.ControlType -eq [System.Windows.Automation.ControlType]::Button) { $target = $buttons } else { $target = $text }
        if (-not $target.Contains($name)) { $target.Add($name) }
    }
    return [ordered]@{
        title    = $title
        role     = $window.Current.ControlType.ProgrammaticName -replace '^ControlType\.', ''
        text     = $text.ToArray()
        buttons  = $buttons.ToArray()
        complete = $count -le $maxDescribed
    }
}

function Get-ElementReply([double]$x, [double]$y) {
    $element = [System.Windows.Automation.AutomationElement]::FromPoint([System.Windows.Point]::new($x, $y))
    if ($null -eq $element) { return $null }
    $info = $element.Current
    # Same role name as AT-SPI's for password fields, so privacy rules need one check.
    $role = if ($info.IsPassword) { 'password text' } else { $info.ControlType.ProgrammaticName -replace '^ControlType\.', '' }
    $bounds = $info.BoundingRectangle
    $rect = $null
    if (-not $bounds.IsEmpty -and -not [double]::IsInfinity($bounds.Width)) {
        $rect = [ordered]@{
            left   = [int][Math]::Round($bounds.Left)
            top    = [int][Math]::Round($bounds.Top)
            right  = [int][Math]::Round($bounds.Right)
            bottom = [int][Math]::Round($bounds.Bottom)
        }
    }
    $windowTitle = ''
    try { $windowTitle = [string](Get-TopLevel $element).Current.Name } catch { }
    return [ordered]@{
        name        = [string]$info.Name
        role        = [string]$role
        rect        = $rect
        windowTitle = $windowTitle
        appName     = Get-ProcessName $info.ProcessId
    }
}

try {
    Set-PerMonitorDpiAwareness
    Add-Type -AssemblyName UIAutomationClient, UIAutomationTypes, WindowsBase
    Add-DesktopWindowTypes
    $walker = [System.Windows.Automation.TreeWalker]::ControlViewWalker
    $root = [System.Windows.Automation.AutomationElement]::RootElement
} catch {
    Write-JsonLine ([ordered]@{ ready = $false; error = "UI Automation unavailable: $($_.Exception.Message)" })
    exit 1
}
Write-JsonLine ([ordered]@{ ready = $true })

while ($null -ne ($line = [Console]::In.ReadLine())) {
    $reply = $null
    try {
        $parts = $line.Trim() -split '\s+'
        if ($parts[0] -eq 'windows') { $reply = Get-WindowsReply }
        elseif ($parts[0] -eq 'describe' -and $parts.Count -eq 2) { $reply = Get-DescribeReply ([long]$parts[1]) }
        # [double] casts use the invariant culture, whatever the user's decimal separator.
        elseif ($parts.Count -eq 2) { $reply = Get-ElementReply ([double]$parts[0]) ([double]$parts[1]) }
    } catch {
        # An element that vanished mid-query, a hung or crashed application: the answer is
        # "unknown", and the helper lives on for the next click.
        $reply = $null
    }
    if ($null -eq $reply) {
        [Console]::Out.WriteLine('null')
        [Console]::Out.Flush()
    } else {
        Write-JsonLine $reply
    }
}
