# Install Rotation Desk for the current user on Windows (PowerShell); -Uninstall removes it.
#
#   powershell -ExecutionPolicy Bypass -File installer\install.ps1
#   powershell -ExecutionPolicy Bypass -File installer\install.ps1 -Uninstall
#
# Same steps as install.sh, each skipped when already done:
#   1. a virtual environment in %LOCALAPPDATA%\rotation-desk\venv (created or reused), the
#      package installed into it ($env:WHEEL = a .whl file, else this source tree);
#   2. a Start-menu shortcut "Rotation Desk" for the desktop app;
#   3. the xlwings Excel add-in (BSD, no PRO key) when Excel is installed;
#   4. the demo workbook copied to Documents\Rotation Desk\rotation_desk.xlsx (never over a
#      file that is already there);
#   5. `rotation doctor` (findings printed; they do not fail the install).
# Everything added is listed in %LOCALAPPDATA%\rotation-desk\install-manifest.txt, which
# -Uninstall reads (the workbook copy is removed only if unchanged since the install).
# NOTE: written to mirror install.sh; it cannot run on the Linux CI machines (untested).
param([switch]$Uninstall)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $PSScriptRoot
$prefix = Join-Path $env:LOCALAPPDATA "rotation-desk"
$venv = Join-Path $prefix "venv"
$manifest = Join-Path $prefix "install-manifest.txt"
$py = if ($env:PYTHON) { $env:PYTHON } else { "py" }
function Say($text) { Write-Host "rotation-desk install: $text" }
function Record($kind, $path, $sha = "") {
    New-Item -ItemType Directory -Force -Path $prefix | Out-Null
    if (-not (Test-Path $manifest) -or -not (Select-String -SimpleMatch -Quiet -Path $manifest -Pattern "`t$path`t")) {
        Add-Content -Path $manifest -Value "$kind`t$path`t$sha"
    }
}
function Make-Dir($dir) {
    $missing = @()
    while (-not (Test-Path $dir)) { $missing = ,$dir + $missing; $dir = Split-Path -Parent $dir }
    foreach ($d in $missing) { New-Item -ItemType Directory -Force -Path $d | Out-Null; Record "dir" $d }
}
function Sha($path) { (Get-FileHash -Algorithm SHA256 $path).Hash.ToLower() }

if ($Uninstall) {
    if (-not (Test-Path $manifest)) { Say "nothing to remove"; exit 0 }
    $rows = Get-Content $manifest | ForEach-Object { ,($_ -split "`t") }
    foreach ($r in $rows) {
        switch ($r[0]) {
            "file" { if (Test-Path $r[1]) { Remove-Item -Force $r[1]; Say "removed $($r[1])" } }
            "tree" { if (Test-Path $r[1]) { Remove-Item -Recurse -Force $r[1]; Say "removed $($r[1])" } }
            "workbook" {
                if ((Test-Path $r[1]) -and ((Sha $r[1]) -eq $r[2])) { Remove-Item -Force $r[1]; Say "removed $($r[1])" }
                elseif (Test-Path $r[1]) { Say "kept $($r[1]) (changed since the install)" }
            }
        }
    }
    Remove-Item -Force $manifest
    $rows | Where-Object { $_[0] -eq "dir" } | Sort-Object { $_[1].Length } -Descending | ForEach-Object {
        if ((Test-Path $_[1]) -and -not (Get-ChildItem -Force $_[1])) { Remove-Item $_[1]; Say "removed $($_[1])\" }
    }
    Say "uninstalled"; exit 0
}

& $py -3 -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 'Rotation Desk needs Python >= 3.11')"
if ($LASTEXITCODE -ne 0) { throw "Python >= 3.11 is required" }
Make-Dir $prefix
$venvPy = Join-Path $venv "Scripts\python.exe"
if (Test-Path $venvPy) { Say "reusing the virtual environment $venv" }
else { Say "creating the virtual environment $venv"; & $py -3 -m venv $venv }
Record "tree" $venv
& $venvPy -m pip install -q --no-cache-dir --upgrade pip
$source = if ($env:WHEEL) { $env:WHEEL } else { $here }
& $venvPy -m pip install -q --no-cache-dir --upgrade $source
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
$rotation = Join-Path $venv "Scripts\rotation.exe"

# Start-menu shortcut
$programs = [Environment]::GetFolderPath("Programs")
$shortcut = Join-Path $programs "Rotation Desk.lnk"
$link = (New-Object -ComObject WScript.Shell).CreateShortcut($shortcut)
$link.TargetPath = Join-Path $venv "Scripts\rotation-desk.exe"
$link.Description = "Crypto sector-rotation futures toolkit (read-only, places no orders)"
$link.Save()
Record "file" $shortcut

# xlwings Excel add-in where Excel exists
$excel = Get-ItemProperty "HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\excel.exe" -ErrorAction SilentlyContinue
if ($excel) {
    Say "installing the xlwings Excel add-in"
    & (Join-Path $venv "Scripts\xlwings.exe") addin install
    $addin = Join-Path $env:APPDATA "Microsoft\Excel\XLSTART\xlwings.xlam"
    if (Test-Path $addin) { Record "file" $addin }
    Say "Excel interpreter (workbook's xlwings.conf sheet, Interpreter_Win): $venvPy"
} else { Say "xlwings Excel add-in: Excel not found" }

# demo workbook in Documents
$docs = Join-Path ([Environment]::GetFolderPath("MyDocuments")) "Rotation Desk"
$target = Join-Path $docs "rotation_desk.xlsx"
$recorded = if (Test-Path $manifest) { Select-String -SimpleMatch -Path $manifest -Pattern "`t$target`t" } else { $null }
if ((Test-Path $target) -and (-not $recorded -or ((Sha $target) -ne ($recorded.Line -split "`t")[2]))) {
    Say "kept your $target"
} else {
    $build = Join-Path ([IO.Path]::GetTempPath()) ("rotation-" + [guid]::NewGuid())
    $env:ROTATION_DESK_HOME = $build
    & $rotation demo --out (Join-Path $build "rotation_desk.xlsx") | Out-Null
    Remove-Item Env:ROTATION_DESK_HOME
    Make-Dir $docs
    Copy-Item -Force (Join-Path $build "rotation_desk.xlsx") $target
    if (Test-Path $manifest) { (Get-Content $manifest) | Where-Object { $_ -notlike "*`t$target`t*" } | Set-Content $manifest }
    Record "workbook" $target (Sha $target)
    Remove-Item -Recurse -Force $build
    Say "demo workbook: $target"
}

Say "rotation doctor:"
& $rotation doctor
if ($LASTEXITCODE -ne 0) { Say "rotation doctor reported problems (the fixes are above)" }
Say "done. rotation: $rotation   (add $(Join-Path $venv 'Scripts') to PATH to call it by name)"
