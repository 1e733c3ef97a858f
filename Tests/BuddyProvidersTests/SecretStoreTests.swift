@testable import BuddyProviders
import Foundation
import XCTest

/// API keys: the redacting wrapper, the lookup order, the keyring helper (a fake `secret-tool`
/// script; no real keyring is needed) and the private file.
final class SecretStoreTests: XCTestCase {
    private var directory = ""
    private var secretsFile: String { directory + "/clicky/secrets.toml" }
    private let shellPath = ["PATH": "/usr/bin:/bin"]

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "clicky-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A stand-in for `secret-tool`: logs its arguments, answers `lookup … anthropic` with
    /// `tool-key`, saves what `store` reads from stdin, and fails for everything else.
    private func fakeTool(body: String? = nil) throws -> String {
        let path = directory + "/secret-tool"
        let script = body ?? """
        #!/bin/sh
        echo "$@" >> '\(directory)/arguments.log'
        if [ "$1" = lookup ] && [ "$5" = anthropic ]; then printf 'tool-key\\n'; exit 0; fi
        if [ "$1" = store ]; then cat > '\(directory)/stored'; exit 0; fi
        exit 1
        """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    private func writeSecrets(_ text: String, permissions: Int) throws {
        try FileManager.default.createDirectory(atPath: directory + "/clicky", withIntermediateDirectories: true)
        try text.write(toFile: secretsFile, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: secretsFile)
    }

    private func permissions(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    // MARK: - Secret

    func testASecretNeverPrintsItsValue() throws {
        let secret = try XCTUnwrap(Secret("  sk-ant-VERY-PRIVATE\n"))
        XCTAssertEqual(secret.reveal(), "sk-ant-VERY-PRIVATE", "whitespace around the key is dropped")
        var dumped = ""
        dump(secret, to: &dumped)
        var dumpedFound = ""
        dump(FoundSecret(secret: secret, source: .secretService), to: &dumpedFound)
        var printed = ""
        print(secret, [secret], Optional(secret) as Any, to: &printed)
        let renderings = [
            "\(secret)", String(describing: secret), String(reflecting: secret), secret.description,
            secret.debugDescription, "\([secret])", "\(Optional(secret) as Any)", dumped, dumpedFound, printed,
            "\(FoundSecret(secret: secret, source: .environment(variable: "ANTHROPIC_API_KEY")))",
        ]
        for text in renderings {
            XCTAssertFalse(text.contains("VERY-PRIVATE"), text)
            XCTAssertTrue(text.contains("<redacted>"), text)
        }
        XCTAssertEqual("\(secret)", "<redacted>")
        XCTAssertTrue(Mirror(reflecting: secret).children.isEmpty)
        XCTAssertNil(Secret(" \n\t"), "an empty key is no key")
    }

    // MARK: - Lookup order

    func testEnvironmentWinsOverTheKeyringWhichWinsOverTheFile() throws {
        try writeSecrets("anthropic = \"file-anthropic\"\nopenai = \"file-openai\"\n", permissions: 0o600)
        let tool = SecretServiceTool(executable: try fakeTool(), environment: shellPath)
        var store = SecretStore(environment: ["ANTHROPIC_API_KEY": "env-anthropic"], secretsFile: secretsFile,
                                secretService: tool)
        var found = try XCTUnwrap(store.lookup(.anthropic))
        XCTAssertEqual(found.secret.reveal(), "env-anthropic")
        XCTAssertEqual(found.source, .environment(variable: "ANTHROPIC_API_KEY"))

        store.environment = ["ANTHROPIC_API_KEY": ""]   // empty counts as unset
        found = try XCTUnwrap(store.lookup(.anthropic))
        XCTAssertEqual(found.secret.reveal(), "tool-key", "the keyring's trailing newline is dropped")
        XCTAssertEqual(found.source, .secretService)
        let arguments = try String(contentsOfFile: directory + "/arguments.log", encoding: .utf8)
        XCTAssertEqual(arguments, "lookup service clicky key anthropic\n")

        found = try XCTUnwrap(store.lookup(.openai), "the keyring has none, the file has one")
        XCTAssertEqual(found.secret.reveal(), "file-openai")
        XCTAssertEqual(found.source, .file(path: secretsFile))
        XCTAssertNil(try store.lookup(.posthog))

        store.secretService = nil
        XCTAssertEqual(try store.lookup(.anthropic)?.secret.reveal(), "file-anthropic")
        store.secretsFile = directory + "/nowhere/secrets.toml"
        XCTAssertNil(try store.lookup(.anthropic), "no file is not an error")
    }

    func testAnAbsentHangingOrFailingKeyringIsNotFound() throws {
        let missing = SecretServiceTool(executable: directory + "/no-such-tool", environment: shellPath)
        XCTAssertNil(missing.lookup(.anthropic))
        let failing = SecretServiceTool(executable: try fakeTool(body: "#!/bin/sh\necho half-a-key\nexit 1\n"),
                                        environment: shellPath)
        XCTAssertNil(failing.lookup(.anthropic))
        let hanging = SecretServiceTool(executable: try fakeTool(body: "#!/bin/sh\nsleep 30\necho late\n"),
                                        environment: shellPath, lookupTimeout: .milliseconds(300))
        let started = ContinuousClock.now
        XCTAssertNil(hanging.lookup(.anthropic))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "a locked keyring cannot hang the lookup")
    }

    func testTheKeyringIsUsedOnlyWithTheToolAndASessionBus() throws {
        let tool = try fakeTool()
        XCTAssertNil(SecretServiceTool.locate(environment: ["PATH": directory]), "no session bus")
        XCTAssertNil(SecretServiceTool.locate(environment: ["PATH": directory, "XDG_RUNTIME_DIR": directory]),
                     "a runtime directory without a bus socket")
        XCTAssertNil(SecretServiceTool.locate(environment: ["PATH": "/nonexistent", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"]),
                     "no secret-tool")
        let found = SecretServiceTool.locate(environment: ["PATH": "relative:\(directory)", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"])
        XCTAssertEqual(found?.executable, tool)
        let environment = ["PATH": "/bin", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x", "ANTHROPIC_API_KEY": "k",
                           "OPENAI_API_KEY": "k", "HOME": "/home/u"]
        XCTAssertEqual(SecretServiceTool(executable: tool, environment: environment).childEnvironment.keys.sorted(),
                       ["DBUS_SESSION_BUS_ADDRESS", "HOME", "PATH"], "our own keys never reach the tool")
    }

    func testStoringInTheKeyringPassesTheKeyOnStandardInput() throws {
        let store = SecretStore(environment: [:], secretsFile: secretsFile,
                                secretService: SecretServiceTool(executable: try fakeTool(), environment: shellPath))
        try store.store(try XCTUnwrap(Secret("sk-new")), for: .openai, in: .secretService)
        XCTAssertEqual(try String(contentsOfFile: directory + "/stored", encoding: .utf8), "sk-new")
        let arguments = try String(contentsOfFile: directory + "/arguments.log", encoding: .utf8)
        XCTAssertEqual(arguments, "store --label=Clicky: OpenAI-compatible API key service clicky key openai\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: secretsFile), "no file fallback behind the user's back")

        let failing = SecretServiceTool(executable: try fakeTool(body: "#!/bin/sh\nexit 3\n"), environment: shellPath)
        XCTAssertThrowsError(try failing.store(try XCTUnwrap(Secret("k")), for: .openai)) {
            XCTAssertEqual($0 as? SecretStoreError, .secretServiceFailed(reason: "secret-tool ended with exit status 3"))
        }
        let without = SecretStore(environment: [:], secretsFile: secretsFile, secretService: nil)
        XCTAssertThrowsError(try without.store(try XCTUnwrap(Secret("k")), for: .openai, in: .secretService)) {
            XCTAssertEqual($0 as? SecretStoreError, .secretServiceUnavailable)
        }
    }

    // MARK: - The file

    func testStoringInTheFileMakesAPrivateFileAndKeepsTheOtherKeys() throws {
        let store = SecretStore(environment: [:], secretsFile: secretsFile, secretService: nil)
        try store.store(try XCTUnwrap(Secret("sk-ant-1")), for: .anthropic, in: .file)
        XCTAssertEqual(try permissions(secretsFile), 0o600)
        XCTAssertEqual(try permissions(directory + "/clicky"), 0o700)
        try store.store(try XCTUnwrap(Secret("phc_2")), for: .posthog, in: .file)
        try store.store(try XCTUnwrap(Secret("sk-ant-3 \"quoted\" \\")), for: .anthropic, in: .file)
        XCTAssertEqual(try permissions(secretsFile), 0o600)
        XCTAssertEqual(try store.lookup(.anthropic)?.secret.reveal(), "sk-ant-3 \"quoted\" \\")
        XCTAssertEqual(try store.lookup(.posthog)?.secret.reveal(), "phc_2")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/clicky"), ["secrets.toml"])
    }

    func testALooseFileIsRefusedWithTheFix() throws {
        let store = SecretStore(environment: [:], secretsFile: secretsFile, secretService: nil)
        for mode in [0o644, 0o640, 0o604, 0o620] {
            try writeSecrets("anthropic = \"sk-ant-EXPOSED\"\n", permissions: mode)
            XCTAssertThrowsError(try store.lookup(.anthropic)) { error in
                XCTAssertEqual(error as? SecretStoreError, .fileTooOpen(path: secretsFile, permissions: mode))
                XCTAssertTrue("\(error)".contains("chmod 600 '\(secretsFile)'"), "\(error)")
                XCTAssertFalse("\(error)".contains("EXPOSED"))
            }
            XCTAssertThrowsError(try store.store(try XCTUnwrap(Secret("k")), for: .openai, in: .file),
                                 "not silently rewritten either")
        }
        XCTAssertEqual(SecretStoreError.fileTooOpen(path: "/p", permissions: 0o644).description,
                       "/p can be read or changed by other users (mode 0644), so its keys are not used; fix it with: chmod 600 '/p' (and replace any key that may have been seen)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretsFile)
        XCTAssertEqual(try store.lookup(.anthropic)?.secret.reveal(), "sk-ant-EXPOSED", "the fix works")
    }

    func testOnlyARegularFileOwnedByTheUserIsRead() throws {
        let store = SecretStore(environment: [:], secretsFile: secretsFile, secretService: nil)
        try writeSecrets("anthropic = \"k\"\n", permissions: 0o600)
        let elsewhere = directory + "/elsewhere.toml"
        try FileManager.default.moveItem(atPath: secretsFile, toPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: secretsFile, withDestinationPath: elsewhere)
        XCTAssertThrowsError(try store.lookup(.anthropic)) {
            XCTAssertEqual($0 as? SecretStoreError, .notARegularFile(path: secretsFile))
        }
        try FileManager.default.removeItem(atPath: secretsFile)
        try FileManager.default.moveItem(atPath: elsewhere, toPath: secretsFile)
        guard (try? FileManager.default.setAttributes([.ownerAccountID: 65534], ofItemAtPath: secretsFile)) != nil else {
            throw XCTSkip("changing a file's owner needs root")
        }
        XCTAssertThrowsError(try store.lookup(.anthropic)) {
            XCTAssertEqual($0 as? SecretStoreError, .fileNotOwned(path: secretsFile))
        }
    }

    func testAMalformedFileIsAnErrorThatShowsNoKey() throws {
        let store = SecretStore(environment: [:], secretsFile: secretsFile, secretService: nil)
        try writeSecrets("# keys\nanthropic = 42\n", permissions: 0o600)
        XCTAssertThrowsError(try store.lookup(.anthropic)) {
            XCTAssertEqual("\($0)", "secrets.toml line 2: anthropic must be a quoted string")
        }
        try writeSecrets("openai = sk-PLAIN-KEY\n", permissions: 0o600)
        XCTAssertThrowsError(try store.lookup(.openai)) {
            XCTAssertEqual("\($0)", "secrets.toml line 1: expected a value: a quoted string, a number, true or false")
        }
        try writeSecrets("unknown = 1\n[table]\nx = true\nopenai = \"ok\"\n", permissions: 0o600)
        XCTAssertNil(try store.lookup(.openai), "keys under a table are not top-level keys")
        let key = "sk-ant-api03-THIS-MUST-NOT-APPEAR"
        for text in [key, "anthropic = \(key)", "anthropic = \"\(key)\" \(key)", "anthropic = '\(key)", "\(key) = 1\n\(key) = 2"] {
            try writeSecrets(text, permissions: 0o600)
            XCTAssertThrowsError(try store.lookup(.anthropic), text) { XCTAssertFalse("\($0)".contains("MUST-NOT"), "\($0)") }
        }
    }
}
