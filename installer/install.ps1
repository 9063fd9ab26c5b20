# Install Rotation Desk for the current user on Windows (PowerShell), with the Excel add-in.
#
#   powershell -ExecutionPolicy Bypass -File installer\install.ps1
#
# Creates a virtual environment in %LOCALAPPDATA%\rotation-desk\venv, installs the package,
# installs the xlwings Excel add-in (BSD, no PRO key needed) and prints the interpreter path to
# put in the workbook's xlwings.conf sheet (Interpreter_Win) if it differs from the default.
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $PSScriptRoot
$prefix = Join-Path $env:LOCALAPPDATA "rotation-desk"
$py = if ($env:PYTHON) { $env:PYTHON } else { "py" }

& $py -3 -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 'Rotation Desk needs Python >= 3.11')"
if ($LASTEXITCODE -ne 0) { throw "Python >= 3.11 is required" }

& $py -3 -m venv (Join-Path $prefix "venv")
$venvPy = Join-Path $prefix "venv\Scripts\python.exe"
& $venvPy -m pip install -q --upgrade pip
& $venvPy -m pip install -q $here
& (Join-Path $prefix "venv\Scripts\xlwings.exe") addin install

Write-Host "Installed."
Write-Host "  rotation:      $(Join-Path $prefix 'venv\Scripts\rotation.exe')"
Write-Host "  rotation-desk: $(Join-Path $prefix 'venv\Scripts\rotation-desk.exe')"
Write-Host "  Excel interpreter (xlwings.conf Interpreter_Win): $venvPy"
Write-Host "Try: rotation demo   (builds the demo workbook and prints where it is)"
