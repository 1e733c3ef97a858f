/// One value of the TOML subset the settings use. Arrays, inline tables and dates are left out
/// on purpose: no setting needs them, and a reader that refuses them is small enough to trust.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)

    /// The TOML word for the type, for "must be a string, not an integer" messages.
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        }
    }
}

/// `key = value` and the line it was on, so later checks can still point at the line.
public struct TOMLEntry: Sendable, Equatable {
    public var key: String
    public var value: TOMLValue
    /// 1-based; 0 for entries built in code rather than read from text.
    public var line: Int

    public init(key: String, value: TOMLValue, line: Int = 0) {
        self.key = key
        self.value = value
        self.line = line
    }
}

/// The keys of the top level (`name == nil`) or of one `[name]` table, in file order.
public struct TOMLTable: Sendable, Equatable {
    public var name: String?
    public var entries: [TOMLEntry]
    /// The header's line (0 for the top level and for tables built in code).
    public var line: Int

    public init(name: String?, entries: [TOMLEntry] = [], line: Int = 0) {
        self.name = name
        self.entries = entries
        self.line = line
    }

    public subscript(key: String) -> TOMLValue? { entries.first { $0.key == key }?.value }

    /// Replaces the value of `key`, or appends it.
    public mutating func set(_ value: TOMLValue, forKey key: String) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
        } else {
            entries.append(TOMLEntry(key: key, value: value))
        }
    }
}

/// A parsed file: the top-level keys and the tables, in file order. Comments are not kept, so
/// writing a document back gives the values, not the layout.
public struct TOMLDocument: Sendable, Equatable {
    public var root: TOMLTable
    public var tables: [TOMLTable]

    public init(root: TOMLTable = TOMLTable(name: nil), tables: [TOMLTable] = []) {
        self.root = root
        self.tables = tables
    }

    /// Parses UTF-8 text; `sourceName` starts every error message (`config.toml line 7: …`).
    public init(bytes: [UInt8], sourceName: String = "config.toml") throws(TOMLError) {
        self = try TOMLParser(sourceName: sourceName).parse(bytes)
    }

    public init(parsing text: String, sourceName: String = "config.toml") throws(TOMLError) {
        try self.init(bytes: Array(text.utf8), sourceName: sourceName)
    }

    /// The table called `name` (nil: the top level).
    public func table(_ name: String?) -> TOMLTable? {
        guard let name else { return root }
        return tables.first { $0.name == name }
    }

    /// Sets `key` in table `name` (nil: the top level), adding the table if it is new.
    public mutating func set(_ value: TOMLValue, forKey key: String, inTable name: String?) {
        guard let name else { return root.set(value, forKey: key) }
        if let index = tables.firstIndex(where: { $0.name == name }) {
            tables[index].set(value, forKey: key)
        } else {
            tables.append(TOMLTable(name: name, entries: [TOMLEntry(key: key, value: value)]))
        }
    }
}

/// Why a TOML file was refused, and where. Messages never quote the offending text: the same
/// reader parses the secrets file, and a line of it may be an API key.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case invalidUTF8
        case expectedKey
        case expectedEquals
        case missingValue
        case dottedKey
        case nestedTable
        case arrayOfTables
        case unterminatedTableHeader
        /// The table's header was already on `firstLine`.
        case duplicateTable(firstLine: Int)
        /// The key was already set on `firstLine` of the same table.
        case duplicateKey(firstLine: Int)
        case unterminatedString
        case multilineString
        case invalidEscape
        case controlCharacter
        case unsupportedArray
        case unsupportedInlineTable
        case unsupportedDateTime
        case invalidNumber
        case integerOutOfRange
        case invalidValue
        case trailingText
    }

    public var sourceName: String
    /// 1-based line number.
    public var line: Int
    public var problem: Problem

    public init(sourceName: String, line: Int, problem: Problem) {
        self.sourceName = sourceName
        self.line = line
        self.problem = problem
    }

    public var description: String { "\(sourceName) line \(line): \(explanation)" }

    private var explanation: String {
        switch problem {
        case .invalidUTF8: "the text is not valid UTF-8"
        case .expectedKey: "expected a key (letters, digits, '_' or '-', or a quoted string)"
        case .expectedEquals: "expected '=' after the key"
        case .missingValue: "expected a value after '='"
        case .dottedKey: "dotted keys are not supported; use a [table] header"
        case .nestedTable: "only one level of [table] is supported"
        case .arrayOfTables: "arrays of tables ([[…]]) are not supported"
        case .unterminatedTableHeader: "the [table] header has no closing ']'"
        case .duplicateTable(let line): "this table was already defined on line \(line)"
        case .duplicateKey(let line): "this key was already set on line \(line)"
        case .unterminatedString: "the string has no closing quote"
        case .multilineString: "multi-line strings are not supported"
        case .invalidEscape: "invalid escape in a string (allowed: \\\" \\\\ \\b \\f \\n \\r \\t \\uXXXX \\UXXXXXXXX)"
        case .controlCharacter: "control characters must be escaped in a string"
        case .unsupportedArray: "arrays are not supported"
        case .unsupportedInlineTable: "inline tables are not supported"
        case .unsupportedDateTime: "dates and times are not supported"
        case .invalidNumber: "invalid number"
        case .integerOutOfRange: "the integer is too large"
        case .invalidValue: "expected a value: a quoted string, a number, true or false"
        case .trailingText: "unexpected text after the value (a comment starts with '#')"
        }
    }
}
