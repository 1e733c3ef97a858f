import ArgumentParser
import BuddyCore
import BuddyProviders
import Foundation

/// The running buddy's control line (`ControlSocket`): `mode NAME` switches brains, `status`
/// says how it is. Answers are one JSON object per line.
enum BuddyControl {
    /// The answer to one request line.
    static func answer(_ request: String, buddy: Buddy, voice: String) async -> String {
        let words = request.split(separator: " ").map(String.init)
        switch words.first {
        case "mode" where words.count == 2:
            guard let mode = BrainMode(rawValue: words[1].lowercased()) else {
                return json(["ok": false, "error": "unknown brain '\(words[1])' (local, sonnet, opus, openai, auto)"])
            }
            await buddy.setMode(mode)
            return json(["ok": true, "mode": mode.rawValue])
        case "status" where words.count == 1:
            return json(["ok": true, "mode": await buddy.mode.rawValue, "voice": voice, "pid": Int(getpid())])
        default:
            return json(["ok": false, "error": "unknown request '\(request)' (mode NAME, status)"])
        }
    }

    static func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Sends `request` to the running buddy and returns its answer as an object; a buddy that
    /// is not running is exit 1 with one line.
    static func ask(_ request: String) throws -> [String: Any] {
        let line: String
        do { line = try ControlSocket.send(request) } catch { throw CLIError(error.description) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw CLIError("the buddy answered something unexpected: \(line)")
        }
        if object["ok"] as? Bool != true {
            throw CLIError(object["error"] as? String ?? "the buddy refused", exitCode: ExitStatus.usage)
        }
        return object
    }
}

/// `clicky mode NAME`: switch the running buddy's brain.
struct Mode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Switch the running buddy's brain: local, sonnet, opus, openai or auto.")

    @Argument(help: "local | sonnet | opus | openai | auto")
    var brain: BrainMode

    func run() throws {
        let answer = try BuddyControl.ask("mode \(brain.rawValue)")
        print("mode: \(answer["mode"] as? String ?? brain.rawValue)")
    }
}

/// `clicky status`: what the running buddy is doing.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the running buddy's brain and voice.")

    @Flag(name: .long, help: "Print the answer as JSON.")
    var json = false

    func run() throws {
        let answer = try BuddyControl.ask("status")
        if json {
            print(BuddyControl.json(answer))
        } else {
            print("running (pid \(answer["pid"] as? Int ?? 0)) · brain \(answer["mode"] as? String ?? "?") · voice \(answer["voice"] as? String ?? "?")")
        }
    }
}
