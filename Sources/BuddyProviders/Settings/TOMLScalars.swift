/// TOML numbers, by the spec's rules: `_` only between digits, no leading zeros in decimal
/// integers, `0x`/`0o`/`0b` integers without a sign, floats with a fraction and/or an exponent,
/// and `inf`/`nan`. Checked by hand because `Int(_:)` and `Double(_:)` accept other spellings
/// (`Double` takes hex floats and `infinity`) that a TOML file must not.
enum TOMLNumber {
    struct Failure: Error {
        let problem: TOMLError.Problem
    }

    static func parse(_ token: String) throws(Failure) -> TOMLValue {
        if looksLikeDateOrTime(token) { throw Failure(problem: .unsupportedDateTime) }
        switch token {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        // Not even the start of a number: most likely a string someone forgot to quote.
        guard let first = token.first, first.isASCII, first.isNumber || "+-._".contains(first) else {
            throw Failure(problem: .invalidValue)
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where token.hasPrefix(prefix) {
            let digits = token.dropFirst(2)
            guard isDigitGroup(digits, radix: radix) else { throw Failure(problem: .invalidNumber) }
            guard let value = Int(String(digits.filter { $0 != "_" }), radix: radix) else {
                throw Failure(problem: .integerOutOfRange)
            }
            return .integer(value)
        }
        return try decimal(token)
    }

    private static func decimal(_ token: String) throws(Failure) -> TOMLValue {
        var unsigned = Substring(token)
        if unsigned.first == "+" || unsigned.first == "-" { unsigned = unsigned.dropFirst() }
        let integerEnd = unsigned.firstIndex { $0 == "." || $0 == "e" || $0 == "E" } ?? unsigned.endIndex
        let integerPart = unsigned[..<integerEnd]
        guard isDigitGroup(integerPart, radix: 10),
              integerPart.count == 1 || integerPart.first != "0" else { throw Failure(problem: .invalidNumber) }
        var rest = unsigned[integerEnd...]
        var isFloat = false
        if rest.first == "." {
            rest = rest.dropFirst()
            let fractionEnd = rest.firstIndex { $0 == "e" || $0 == "E" } ?? rest.endIndex
            guard isDigitGroup(rest[..<fractionEnd], radix: 10) else { throw Failure(problem: .invalidNumber) }
            rest = rest[fractionEnd...]
            isFloat = true
        }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            guard isDigitGroup(rest, radix: 10) else { throw Failure(problem: .invalidNumber) }
            rest = rest[rest.endIndex...]
            isFloat = true
        }
        guard rest.isEmpty else { throw Failure(problem: .invalidNumber) }
        let cleaned = String(token.filter { $0 != "_" })
        if isFloat {
            guard let value = Double(cleaned) else { throw Failure(problem: .invalidNumber) }
            return .float(value)
        }
        guard let value = Int(cleaned) else { throw Failure(problem: .integerOutOfRange) }
        return .integer(value)
    }

    /// Digits of `radix`, with each `_` between two digits.
    private static func isDigitGroup(_ text: Substring, radix: Int) -> Bool {
        guard let first = text.first, let last = text.last, first != "_", last != "_",
              !text.contains("__") else { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && ($0.hexDigitValue.map { $0 < radix } ?? false)) }
    }

    /// `1979-05-27…` or `07:32:00`: a TOML date or time, which this reader does not take.
    private static func looksLikeDateOrTime(_ token: String) -> Bool {
        let characters = Array(token)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= characters.count && characters[range].allSatisfy(\.isASCII) &&
                characters[range].allSatisfy(\.isNumber)
        }
        let date = digits(0..<4) && characters.count > 4 && characters[4] == "-"
        let time = digits(0..<2) && characters.count > 2 && characters[2] == ":"
        return date || time
    }
}

extension TOMLValue {
    /// The value as TOML text that `TOMLDocument` reads back to the same value.
    public var rendered: String {
        switch self {
        case .string(let text): TOMLValue.quoted(text)
        case .integer(let value): String(value)
        case .float(let value):
            if value.isNaN { "nan" } else if value.isInfinite { value < 0 ? "-inf" : "inf" } else { "\(value)" }
        case .boolean(let value): value ? "true" : "false"
        }
    }

    /// A basic string: quotes, backslashes and control characters escaped, the rest as is.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

extension TOMLDocument {
    /// The document as TOML text: `comment` lines first, then the top-level keys, then each
    /// table. Every key and value reads back unchanged; comments from a parsed file are gone.
    public func rendered(comment: [String] = []) -> String {
        var lines = comment.map { $0.isEmpty ? "#" : "# " + $0 }
        if !lines.isEmpty { lines.append("") }
        lines += root.entries.map(Self.line)
        for table in tables {
            if !lines.isEmpty { lines.append("") }
            lines.append("[\(Self.key(table.name ?? ""))]")
            lines += table.entries.map(Self.line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(_ entry: TOMLEntry) -> String { "\(key(entry.key)) = \(entry.value.rendered)" }

    /// Bare when every character may be bare, otherwise quoted.
    private static func key(_ key: String) -> String {
        !key.isEmpty && key.unicodeScalars.allSatisfy(isBareKeyScalar) ? key : TOMLValue.quoted(key)
    }

    /// Letters, digits, `_` and `-`: the characters of a key that needs no quotes.
    static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }
}
