import ArgumentParser
import Foundation

/// `clicky install-desktop`: a launcher entry for the desktop's menus, and with --autostart one
/// that starts the buddy at login (freedesktop.org .desktop files in the user's own folders).
struct InstallDesktop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install-desktop",
        abstract: "Add Clicky to the desktop's menus (and with --autostart, start it at login).")

    @Flag(name: .long, help: "Also start the buddy when you log in.")
    var autostart = false

    @Flag(name: .long, help: "Remove what install-desktop added.")
    var remove = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let home = NSHomeDirectory()
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        let launcher = dataHome + "/applications/clicky.desktop"
        let login = configHome + "/autostart/clicky.desktop"
        if remove {
            for path in [launcher, login] where FileManager.default.fileExists(atPath: path) {
                try? FileManager.default.removeItem(atPath: path)
                print("removed \(path)")
            }
            return
        }
        let entry = Self.entry(executable: Self.executablePath())
        try Self.write(entry, to: launcher)
        print("added \(launcher)")
        if autostart {
            try Self.write(entry + "X-GNOME-Autostart-enabled=true\n", to: login)
            print("added \(login)")
        }
    }

    /// The entry; `Exec` runs the desktop buddy by this binary's absolute path.
    static func entry(executable: String) -> String {
        """
        [Desktop Entry]
        Type=Application
        Name=Clicky
        GenericName=Voice buddy
        Comment=A voice AI buddy beside your cursor; hold Ctrl+Alt and speak
        Exec="\(executable)" desktop
        Terminal=false
        Categories=Utility;Accessibility;
        Keywords=voice;assistant;ai;local;

        """
    }

    static func executablePath() -> String {
        let path = CommandLine.arguments[0]
        if path.hasPrefix("/") { return path }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? path
    }

    /// Writes through a temporary file and a rename: never a half-written entry.
    static func write(_ text: String, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let temporary = folder + "/.clicky.desktop.\(getpid())"
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else {
                try? FileManager.default.removeItem(atPath: temporary)
                throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
