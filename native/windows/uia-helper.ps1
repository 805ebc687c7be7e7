# The UI Automation helper of src/platform/a11y/uia.ts, for Windows PowerShell 5.1.
# Protocol (src/platform/a11y/helper-process.ts): one greeting line, then for each stdin line
# "x y" (physical screen pixels) exactly one stdout line: null, or the element's JSON; for the
# line "elements", one JSON array: the elements of the foreground window and of its process's
# open popup menus. Nothing else may reach stdout, so every call whose value is unused is cast
# to [void].

$ErrorActionPreference = 'Stop'

# Writes one line of JSON. The console code page would mangle non-ASCII names, so anything
# outside ASCII is written as a \u escape, which survives every code page.
function Write-JsonLine($value, [int]$depth = 3) {
    $json = ConvertTo-Json -InputObject $value -Compress -Depth $depth
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

# Properties the element list reads, fetched for a whole window in one cross-process request
# (a CacheRequest) instead of one round trip per property per element.
function New-ElementsCache {
    $cache = New-Object System.Windows.Automation.CacheRequest
    $A = [System.Windows.Automation.AutomationElement]
    foreach ($p in @($A::NameProperty, $A::HelpTextProperty, $A::ControlTypeProperty, $A::BoundingRectangleProperty,
            $A::IsEnabledProperty, $A::IsOffscreenProperty, $A::HasKeyboardFocusProperty, $A::IsPasswordProperty)) {
        $cache.Add($p)
    }
    $cache.TreeFilter = [System.Windows.Automation.Automation]::ControlViewCondition
    return $cache
}

function ConvertTo-ElementEntry($element, [string]$windowTitle, [bool]$inPopup) {
    $info = $element.Cached
    $bounds = $info.BoundingRectangle
    if ($bounds.IsEmpty -or [double]::IsInfinity($bounds.Width) -or $bounds.Width -le 0 -or $bounds.Height -le 0) { return $null }
    $role = if ($info.IsPassword) { 'password text' } else { $info.ControlType.ProgrammaticName -replace '^ControlType\.', '' }
    $states = New-Object System.Collections.Generic.List[string]
    if ($info.IsEnabled) { [void]$states.Add('enabled') }
    if (-not $info.IsOffscreen) { [void]$states.Add('showing') }
    if ($info.HasKeyboardFocus) { [void]$states.Add('focused') }
    return [ordered]@{
        name        = [string]$info.Name
        description = [string]$info.HelpText
        role        = [string]$role
        states      = $states.ToArray()
        rect        = [ordered]@{
            left   = [int][Math]::Round($bounds.Left)
            top    = [int][Math]::Round($bounds.Top)
            right  = [int][Math]::Round($bounds.Right)
            bottom = [int][Math]::Round($bounds.Bottom)
        }
        windowTitle = $windowTitle
        inPopup     = $inPopup
    }
}

# The elements of the foreground window and of its process's other top-level menus (context
# menus and drop-downs are top-level windows of ControlType Menu), popups first. Offscreen
# elements are left out by the search condition itself. One FindAll per window: UI Automation
# answers it in bulk, far faster than a TreeWalker's call per element.
function Get-ElementsReply {
    $entries = New-Object System.Collections.Generic.List[object]
    $hwnd = [PcAgent.Foreground]::GetForegroundWindow()
    if ($hwnd -eq [IntPtr]::Zero) { return $entries.ToArray() }
    $window = [System.Windows.Automation.AutomationElement]::FromHandle($hwnd)
    $A = [System.Windows.Automation.AutomationElement]
    $roots = New-Object System.Collections.Generic.List[object]
    $sameProcess = New-Object System.Windows.Automation.PropertyCondition($A::ProcessIdProperty, $window.Current.ProcessId)
    $menu = New-Object System.Windows.Automation.PropertyCondition($A::ControlTypeProperty, [System.Windows.Automation.ControlType]::Menu)
    $popupCondition = New-Object System.Windows.Automation.AndCondition($sameProcess, $menu)
    foreach ($popup in $root.FindAll([System.Windows.Automation.TreeScope]::Children, $popupCondition)) {
        [void]$roots.Add(@($popup, $true))
    }
    [void]$roots.Add(@($window, $false))
    $onScreen = New-Object System.Windows.Automation.PropertyCondition($A::IsOffscreenProperty, $false)
    $cache = New-ElementsCache
    foreach ($pair in $roots) {
        $top = $pair[0]
        $title = ''
        try { $title = [string]$top.Current.Name } catch { }
        $activation = $cache.Activate()
        try {
            $found = $top.FindAll([System.Windows.Automation.TreeScope]::Descendants, $onScreen)
        } catch {
            continue  # the popup closed meanwhile
        } finally {
            $activation.Dispose()
        }
        foreach ($element in $found) {
            try {
                $entry = ConvertTo-ElementEntry $element $title $pair[1]
                if ($null -ne $entry) { [void]$entries.Add($entry) }
            } catch { }  # an element that vanished mid-list
        }
    }
    return $entries.ToArray()
}

try {
    Set-PerMonitorDpiAwareness
    Add-Type -Namespace PcAgent -Name Foreground -MemberDefinition @'
[DllImport("user32.dll")] public static extern IntPtr GetForegroundWindow();
'@
    Add-Type -AssemblyName UIAutomationClient, UIAutomationTypes, WindowsBase
    $walker = [System.Windows.Automation.TreeWalker]::ControlViewWalker
    $root = [System.Windows.Automation.AutomationElement]::RootElement
} catch {
    Write-JsonLine ([ordered]@{ ready = $false; error = "UI Automation unavailable: $($_.Exception.Message)" })
    exit 1
}
Write-JsonLine ([ordered]@{ ready = $true })

while ($null -ne ($line = [Console]::In.ReadLine())) {
    if ($line.Trim() -eq 'elements') {
        $list = @()
        try { $list = @(Get-ElementsReply) } catch { $list = @() }
        # Depth: array > element > rect.
        Write-JsonLine -value $list -depth 4
        continue
    }
    $reply = $null
    try {
        $parts = $line.Trim() -split '\s+'
        # [double] casts use the invariant culture, whatever the user's decimal separator.
        if ($parts.Count -eq 2) { $reply = Get-ElementReply ([double]$parts[0]) ([double]$parts[1]) }
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
