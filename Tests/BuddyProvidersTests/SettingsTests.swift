import BuddyCore
@testable import BuddyProviders
import Foundation
import XCTest

/// The TOML subset, the settings built on it, and where they are read from.
final class SettingsTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "clicky-settings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - TOML

    func testEverySupportedForm() throws {
        let text = """
        \u{FEFF}# a comment line
        top = 'literal \\n stays'   # a trailing comment
        "quoted key" = "q"
        'literal key' = ""

        [ strings ]
        escapes = "quote \\" backslash \\\\ nl \\n tab \\t cr \\r bs \\b ff \\f é=\\u00E9 rocket=\\U0001F680"
        hash = "a # inside is text"
        tab = "a\tb"
        [numbers]
        plain = 42
        signed = -17
        plus = +3
        grouped = 1_000_000
        hex = 0xDEAD_beef
        octal = 0o755
        binary = 0b1010
        zero = 0
        fraction = 3.25
        exponent = 5e+22
        both = -6.02E-2_3
        pinf = inf
        ninf = -inf
        nan = nan
        [flags]\r
        yes = true\r
        no = false
        """
        let document = try TOMLDocument(parsing: text)
        XCTAssertEqual(document.root["top"], .string("literal \\n stays"))
        XCTAssertEqual(document.root["quoted key"], .string("q"))
        XCTAssertEqual(document.root["literal key"], .string(""))
        let strings = try XCTUnwrap(document.table("strings"))
        XCTAssertEqual(strings["escapes"], .string("quote \" backslash \\ nl \n tab \t cr \r bs \u{08} ff \u{0C} é=é rocket=🚀"))
        XCTAssertEqual(strings["hash"], .string("a # inside is text"))
        XCTAssertEqual(strings["tab"], .string("a\tb"))
        let numbers = try XCTUnwrap(document.table("numbers"))
        let integers: [(String, Int)] = [("plain", 42), ("signed", -17), ("plus", 3), ("grouped", 1_000_000),
                                         ("hex", 0xDEAD_BEEF), ("octal", 0o755), ("binary", 0b1010), ("zero", 0)]
        for (key, value) in integers { XCTAssertEqual(numbers[key], .integer(value), key) }
        XCTAssertEqual(numbers["fraction"], .float(3.25))
        XCTAssertEqual(numbers["exponent"], .float(5e22))
        XCTAssertEqual(numbers["both"], .float(-6.02e-23))
        XCTAssertEqual(numbers["pinf"], .float(.infinity))
        XCTAssertEqual(numbers["ninf"], .float(-.infinity))
        guard case .float(let nan) = numbers["nan"] else { return XCTFail("nan is a float") }
        XCTAssertTrue(nan.isNaN)
        XCTAssertEqual(document.table("flags")?["yes"], .boolean(true))
        XCTAssertEqual(document.table("flags")?["no"], .boolean(false))
        XCTAssertEqual(document.tables.map(\.name), ["strings", "numbers", "flags"])
        XCTAssertEqual(strings.line, 6)
        XCTAssertEqual(document.table("flags")?.entries.first?.line, 26)
    }

    func testErrorsNameTheLine() {
        let cases: [(String, TOMLError.Problem)] = [
            ("= 1", .expectedKey), ("key 1", .expectedEquals),
            ("key =", .missingValue), ("key = # nothing", .missingValue),
            ("a.b = 1", .dottedKey), ("[a.b]", .nestedTable),
            ("[[items]]", .arrayOfTables), ("[open", .unterminatedTableHeader),
            ("key = \"open", .unterminatedString), ("key = 'open", .unterminatedString),
            ("key = \"\"\"many\"\"\"", .multilineString), ("key = '''many'''", .multilineString),
            ("key = \"bad \\x escape\"", .invalidEscape), ("key = \"short \\u12\"", .invalidEscape),
            ("key = \"surrogate \\uD800\"", .invalidEscape), ("key = \"bell \u{07}\"", .controlCharacter),
            ("key = [1, 2]", .unsupportedArray), ("key = { a = 1 }", .unsupportedInlineTable),
            ("key = 1979-05-27", .unsupportedDateTime), ("key = 07:32:00", .unsupportedDateTime),
            ("key = 012", .invalidNumber), ("key = 1__0", .invalidNumber),
            ("key = _1", .invalidNumber), ("key = 1.", .invalidNumber),
            ("key = .5", .invalidNumber), ("key = 1e", .invalidNumber),
            ("key = 0x", .invalidNumber), ("key = 0b102", .invalidNumber),
            ("key = +0x10", .invalidNumber), ("key = 0x1p3", .invalidNumber),
            ("key = 99999999999999999999", .integerOutOfRange), ("key = yes", .invalidValue),
            ("key = True", .invalidValue), ("key = \"a\" \"b\"", .trailingText),
            ("[t] x", .trailingText),
        ]
        for (line, problem) in cases {
            let text = "# header\n\n[t0]\nok = 1\n\n\(line)\n"
            XCTAssertThrowsError(try TOMLDocument(parsing: text), line) { error in
                XCTAssertEqual(error as? TOMLError, TOMLError(sourceName: "config.toml", line: 6, problem: problem), line)
            }
        }
        XCTAssertThrowsError(try TOMLDocument(parsing: "a = 1\na = 2")) {
            XCTAssertEqual(($0 as? TOMLError)?.description, "config.toml line 2: this key was already set on line 1")
        }
        XCTAssertThrowsError(try TOMLDocument(parsing: "[t]\n[u]\n[t]")) {
            XCTAssertEqual(($0 as? TOMLError)?.description, "config.toml line 3: this table was already defined on line 1")
        }
        XCTAssertThrowsError(try TOMLDocument(bytes: Array("ok = 1\n".utf8) + [0x6B, 0x3D, 0xFF], sourceName: "x.toml")) {
            XCTAssertEqual(($0 as? TOMLError)?.description, "x.toml line 2: the text is not valid UTF-8")
        }
    }

    func testRenderedTextReadsBackToTheSameValues() throws {
        var document = TOMLDocument()
        document.set(.string("top"), forKey: "name", inTable: nil)
        document.set(.string("q\"b\\n\n t\t c\r \u{01} \u{7F} é 🚀"), forKey: "tricky", inTable: "strings")
        document.set(.string("spaced key"), forKey: "needs quotes", inTable: "strings")
        for (key, value) in [("a", 1.5), ("b", 1e22), ("c", -2.5e-8), ("d", 0.0), ("e", Double.infinity)] {
            document.set(.float(value), forKey: key, inTable: "floats")
        }
        document.set(.integer(Int.min), forKey: "min", inTable: "ints")
        document.set(.boolean(true), forKey: "on", inTable: "ints")
        let text = document.rendered(comment: ["first", ""])
        XCTAssertTrue(text.hasPrefix("# first\n#\n\nname = \"top\"\n\n[strings]\n"), text)
        let reread = try TOMLDocument(parsing: text)
        XCTAssertEqual(reread.root.entries.map(\.value), document.root.entries.map(\.value))
        XCTAssertEqual(reread.tables.map(\.name), document.tables.map(\.name))
        for (read, written) in zip(reread.tables, document.tables) {
            XCTAssertEqual(read.entries.map(\.key), written.entries.map(\.key))
            XCTAssertEqual(read.entries.map(\.value), written.entries.map(\.value))
        }
    }

    // MARK: - Settings

    func testDefaults() {
        let settings = BuddySettings()
        XCTAssertEqual(settings.brain, .local)
        XCTAssertEqual(settings.local, BuddySettings.Local(model: nil, threads: nil))
        XCTAssertEqual([settings.anthropic.sonnetModel, settings.anthropic.opusModel, settings.openAI.model],
                       ["claude-sonnet-4-6", "claude-opus-4-6", "gpt-4o-mini"])
        XCTAssertEqual([settings.anthropic.baseURL, settings.openAI.baseURL, settings.analytics.posthogHost].map(\.absoluteString),
                       ["https://api.anthropic.com", "https://api.openai.com/v1", "https://us.i.posthog.com"])
        XCTAssertNil(settings.anthropic.workerURL)
        XCTAssertEqual([settings.privacy.shareLocalHistoryWithCloud, settings.privacy.analytics,
                        settings.privacy.includeConversationContent], [false, false, false], "nothing leaves by default")
        XCTAssertEqual(settings.analyticsPolicy, AnalyticsPolicy(enabled: false, includeConversationContent: false))
    }

    func testAMissingFileGivesTheDefaults() throws {
        let loaded = try BuddySettings.load(environment: ["XDG_CONFIG_HOME": directory])
        XCTAssertEqual(loaded, LoadedSettings(settings: BuddySettings(), warnings: [], fileExists: false))
    }

    func testEveryKeyIsRead() throws {
        let text = """
        brain = "Opus"
        [local]
        model = "/models/mine.gguf"
        threads = 2
        [anthropic]
        sonnet_model = "s"
        opus_model = "o"
        base_url = "http://127.0.0.1:8080/"
        worker_url = "https://worker.example"
        [openai]
        base_url = "http://localhost:11434/v1"
        model = "llama3.2"
        [privacy]
        share_local_history_with_cloud = true
        analytics = true
        include_conversation_content = true
        [analytics]
        posthog_host = "https://eu.i.posthog.com"
        """
        let (settings, warnings) = try BuddySettings.parse(Array(text.utf8))
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(settings.brain, .opus)
        XCTAssertEqual(settings.local, BuddySettings.Local(model: "/models/mine.gguf", threads: 2))
        XCTAssertEqual(settings.anthropic.sonnetModel, "s")
        XCTAssertEqual(settings.anthropic.opusModel, "o")
        XCTAssertEqual(settings.anthropic.baseURL.absoluteString, "http://127.0.0.1:8080", "trailing slash dropped")
        XCTAssertEqual(settings.anthropic.workerURL?.absoluteString, "https://worker.example")
        XCTAssertEqual(settings.openAI.baseURL.absoluteString, "http://localhost:11434/v1")
        XCTAssertEqual(settings.openAI.model, "llama3.2")
        XCTAssertEqual(settings.analyticsPolicy, AnalyticsPolicy(enabled: true, includeConversationContent: true))
        XCTAssertTrue(settings.privacy.shareLocalHistoryWithCloud)
        XCTAssertEqual(settings.analytics.posthogHost.absoluteString, "https://eu.i.posthog.com")
    }

    func testBadValuesNameTheirLine() {
        let cases: [(String, String)] = [
            ("brain = \"fast\"", "brain must be one of local, sonnet, opus, openai, auto, not \"fast\""),
            ("brain = 1", "brain must be a string, not an integer"),
            ("[local]\nthreads = \"two\"", "local.threads must be an integer, not a string"),
            ("[local]\nthreads = 0", "local.threads must be between 1 and 1024"),
            ("[anthropic]\nbase_url = \"ftp://x\"", "anthropic.base_url must be an http:// or https:// URL, not \"ftp://x\""),
            ("[openai]\nmodel = \"\"", "openai.model must not be empty"),
            ("[privacy]\nanalytics = \"yes\"", "privacy.analytics must be true or false, not a string"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try BuddySettings.parse(Array(("# settings\n" + text).utf8))) { error in
                let line = text.contains("\n") ? 3 : 2
                XCTAssertEqual("\(error)", "config.toml line \(line): \(message)")
            }
        }
        XCTAssertThrowsError(try BuddySettings.parse(Array("[privacy\n".utf8))) {
            XCTAssertEqual($0 as? SettingsError, .syntax(TOMLError(sourceName: "config.toml", line: 1, problem: .unterminatedTableHeader)))
        }
    }

    func testUnknownKeysAreWarningsNotErrors() throws {
        let text = "brain = \"auto\"\ncolour = \"blue\"\n[local]\nmodle = \"x\"\n[anthropic]\napi_key = \"sk-hidden\"\n[voice]\nrate = 1"
        let (settings, warnings) = try BuddySettings.parse(Array(text.utf8))
        XCTAssertEqual(settings.brain, .auto)
        XCTAssertEqual(warnings.map(\.line), [2, 4, 6, 7])
        XCTAssertEqual(warnings[0].description, "config.toml line 2: unknown key 'colour' ignored")
        XCTAssertEqual(warnings[1].description, "config.toml line 4: unknown key 'modle' in [local] ignored")
        XCTAssertTrue(warnings[2].message.contains("API keys are read from"), warnings[2].message)
        XCTAssertFalse(warnings.description.contains("sk-hidden"))
        XCTAssertEqual(warnings[3].description, "config.toml line 7: unknown table [voice] ignored")
    }

    func testTheEnvironmentOverridesTheFile() throws {
        let clicky = directory + "/clicky"
        try FileManager.default.createDirectory(atPath: clicky, withIntermediateDirectories: true)
        try """
        brain = "sonnet"
        [anthropic]
        base_url = "https://file.example"
        worker_url = "https://file-worker.example"
        [openai]
        base_url = "https://file-openai.example/v1"
        [analytics]
        posthog_host = "https://file-posthog.example"
        """.write(toFile: clicky + "/config.toml", atomically: false, encoding: .utf8)
        let fileOnly = try BuddySettings.load(environment: ["XDG_CONFIG_HOME": directory, "OPENAI_BASE_URL": ""])
        XCTAssertTrue(fileOnly.fileExists)
        XCTAssertEqual(fileOnly.settings.brain, .sonnet)
        XCTAssertEqual(fileOnly.settings.openAI.baseURL.absoluteString, "https://file-openai.example/v1", "empty = unset")
        let environment = [
            "XDG_CONFIG_HOME": directory, "CLICKY_BRAIN": "openai", "ANTHROPIC_BASE_URL": "https://env.example",
            "CLICKY_WORKER_URL": "https://env-worker.example", "OPENAI_BASE_URL": "http://localhost:11434/v1",
            "POSTHOG_HOST": "https://eu.i.posthog.com",
        ]
        let settings = try BuddySettings.load(environment: environment).settings
        XCTAssertEqual(settings.brain, .openai)
        XCTAssertEqual(settings.anthropic.baseURL.absoluteString, "https://env.example")
        XCTAssertEqual(settings.anthropic.workerURL?.absoluteString, "https://env-worker.example")
        XCTAssertEqual(settings.openAI.baseURL.absoluteString, "http://localhost:11434/v1")
        XCTAssertEqual(settings.analytics.posthogHost.absoluteString, "https://eu.i.posthog.com")
        XCTAssertThrowsError(try BuddySettings().overridden(by: ["CLICKY_BRAIN": "smart"])) {
            XCTAssertEqual("\($0)", "CLICKY_BRAIN: brain must be one of local, sonnet, opus, openai, auto, not \"smart\"")
        }
    }

    func testTheConfigDirectory() throws {
        XCTAssertEqual(try ConfigLocation(environment: ["XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/u"]).settingsFile,
                       "/x/cfg/clicky/config.toml")
        XCTAssertEqual(try ConfigLocation(environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/home/u"]).directory,
                       "/home/u/.config/clicky")
        XCTAssertEqual(try ConfigLocation(environment: ["XDG_CONFIG_HOME": "", "HOME": "/home/u/"]).secretsFile,
                       "/home/u/.config/clicky/secrets.toml")
        XCTAssertThrowsError(try ConfigLocation(environment: [:])) { XCTAssertEqual($0 as? SettingsError, .noConfigDirectory) }
    }

    func testAnUnreadableFileIsAnError() throws {
        let path = directory + "/clicky/config.toml"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)   // a directory in its place
        XCTAssertThrowsError(try BuddySettings.load(environment: ["XDG_CONFIG_HOME": directory])) {
            guard case .unreadable(let reported, _) = $0 as? SettingsError else { return XCTFail("\($0)") }
            XCTAssertEqual(reported, path)
        }
    }

    func testWriteIsAtomicAndReadsBack() throws {
        var settings = BuddySettings()
        settings.brain = .auto
        settings.local = BuddySettings.Local(model: "smollm2", threads: 2)
        settings.anthropic.workerURL = URL(string: "https://worker.example")
        settings.privacy.analytics = true
        let path = directory + "/new/clicky/config.toml"
        try settings.write(to: path)
        try settings.write(to: path)   // over an existing file
        XCTAssertEqual(try BuddySettings.read(path: path), LoadedSettings(settings: settings, warnings: [], fileExists: true))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/new/clicky"), ["config.toml"],
                       "no temporary file left behind")
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/new/clicky")[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o700)
        let defaultsText = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(defaultsText.contains("[local]\nmodel = \"smollm2\"\nthreads = 2\n"), defaultsText)
        try BuddySettings().write(to: path)
        let plain = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertFalse(plain.contains("threads"), "unset optional keys are left out")
        XCTAssertEqual(try BuddySettings.read(path: path).settings, BuddySettings())
    }
}
