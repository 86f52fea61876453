; Inno Setup definition of the envservices installer for Windows.
;
; Build the one-folder application first (packaging/build.sh on Windows, e.g. in Git Bash), then:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\dist\envservices packaging\windows\envservices.iss
; build.sh does this itself when `iscc` is on the PATH, passing the version from pyproject.toml.
;
; The installer asks whether to install for the current user only (no administrator rights needed, the
; usual case on a managed council PC) or for everyone on the PC. IT departments can deploy silently with
;   envservices-setup-0.1.0.exe /VERYSILENT /ALLUSERS      (or /CURRENTUSER)

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z envservices.iss
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\envservices"
#endif
#define AppName "envservices"
#define AppExe "envservices.exe"

[Setup]
; The AppId identifies the product for upgrades and uninstall: never change it.
AppId={{6E1B7C52-3F0A-4C5E-9B8E-2D1E5A7C4F10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=envservices
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=envservices-setup-{#AppVersion}
SetupIconFile=envservices.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; \
    Comment: "Plan street cleansing, bin emptying and grounds maintenance"
Name: "{group}\{#AppName} user guide"; Filename: "{app}\_internal\resources\guide\USER_GUIDE.md"
Name: "{group}\Sample files"; Filename: "{app}\_internal\resources\samples"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "gui"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Parameters: "gui"; Description: "{cm:LaunchProgram,{#AppName}}"; \
    Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put there: the users' databases in their data folders are never touched.
Type: filesandordirs; Name: "{app}\_internal"
