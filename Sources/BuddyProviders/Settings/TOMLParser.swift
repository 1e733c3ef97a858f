/// Reads the TOML subset line by line: every construct we accept fits on one line, so a line
/// number is all an error needs to point the user at the problem.
struct TOMLParser {
    let sourceName: String

    func parse(_ bytes: [UInt8]) throws(TOMLError) -> TOMLDocument {
        var document = TOMLDocument()
        var current: Int?   // index of the open table in `document.tables`; nil = the top level
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }   // a byte-order mark
        for (index, rawLine) in body.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            guard let text = String(validating: rawLine, as: UTF8.self) else {
                throw TOMLError(sourceName: sourceName, line: number, problem: .invalidUTF8)
            }
            var line = LineScanner(text, number: number, sourceName: sourceName)
            line.skipWhitespace()
            if line.atEndOrComment { continue }
            if line.peek == "[" {
                let name = try line.tableHeader()
                if let earlier = document.tables.first(where: { $0.name == name }) {
                    throw line.failure(.duplicateTable(firstLine: earlier.line))
                }
                document.tables.append(TOMLTable(name: name, line: number))
                current = document.tables.count - 1
                continue
            }
            let entry = try line.keyValue()
            let existing = current.map { document.tables[$0] } ?? document.root
            if let earlier = existing.entries.first(where: { $0.key == entry.key }) {
                throw line.failure(.duplicateKey(firstLine: earlier.line))
            }
            if let current { document.tables[current].entries.append(entry) } else { document.root.entries.append(entry) }
        }
        return document
    }
}

/// A cursor over one line's Unicode scalars.
private struct LineScanner {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private let number: Int
    private let sourceName: String

    init(_ text: String, number: Int, sourceName: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.last == "\r" { scalars.removeLast() }   // CRLF line ends
        self.scalars = scalars
        self.number = number
        self.sourceName = sourceName
    }

    func failure(_ problem: TOMLError.Problem) -> TOMLError {
        TOMLError(sourceName: sourceName, line: number, problem: problem)
    }

    var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }
    var atEndOrComment: Bool { peek == nil || peek == "#" }

    mutating func skipWhitespace() {
        while peek == " " || peek == "\t" { position += 1 }
    }

    /// `[name]` with optional spaces inside and a comment after.
    mutating func tableHeader() throws(TOMLError) -> String {
        position += 1
        if peek == "[" { throw failure(.arrayOfTables) }
        skipWhitespace()
        let name = try key()
        skipWhitespace()
        if peek == "." { throw failure(.nestedTable) }
        guard peek == "]" else { throw failure(.unterminatedTableHeader) }
        position += 1
        try expectEnd()
        return name
    }

    /// `key = value` with a comment allowed after it.
    mutating func keyValue() throws(TOMLError) -> TOMLEntry {
        let key = try key()
        skipWhitespace()
        if peek == "." { throw failure(.dottedKey) }
        guard peek == "=" else { throw failure(.expectedEquals) }
        position += 1
        skipWhitespace()
        let value = try value()
        try expectEnd()
        return TOMLEntry(key: key, value: value, line: number)
    }

    private mutating func expectEnd() throws(TOMLError) {
        skipWhitespace()
        guard atEndOrComment else { throw failure(.trailingText) }
    }

    private mutating func key() throws(TOMLError) -> String {
        switch peek {
        case "\"": return try basicString()
        case "'": return try literalString()
        default:
            let start = position
            while let scalar = peek, TOMLDocument.isBareKeyScalar(scalar) { position += 1 }
            guard position > start else { throw failure(.expectedKey) }
            return String(String.UnicodeScalarView(scalars[start..<position]))
        }
    }

    private mutating func value() throws(TOMLError) -> TOMLValue {
        switch peek {
        case nil, "#": throw failure(.missingValue)
        case "\"": return .string(try basicString())
        case "'": return .string(try literalString())
        case "[": throw failure(.unsupportedArray)
        case "{": throw failure(.unsupportedInlineTable)
        default:
            let start = position
            while let scalar = peek, scalar != " ", scalar != "\t", scalar != "#" { position += 1 }
            let token = String(String.UnicodeScalarView(scalars[start..<position]))
            if token == "true" { return .boolean(true) }
            if token == "false" { return .boolean(false) }
            do {
                return try TOMLNumber.parse(token)
            } catch {
                throw failure(error.problem)
            }
        }
    }

    /// `"…"` with escapes; the opening quote is at `position`.
    private mutating func basicString() throws(TOMLError) -> String {
        if scalars[position...].starts(with: ["\"", "\"", "\""] as [Unicode.Scalar]) { throw failure(.multilineString) }
        position += 1
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = peek else { throw failure(.unterminatedString) }
            position += 1
            switch scalar {
            case "\"": return String(result)
            case "\\": result.append(try escape())
            default:
                if Self.isControl(scalar) { throw failure(.controlCharacter) }
                result.append(scalar)
            }
        }
    }

    /// `'…'`, taken as written; the opening quote is at `position`.
    private mutating func literalString() throws(TOMLError) -> String {
        if scalars[position...].starts(with: ["'", "'", "'"] as [Unicode.Scalar]) { throw failure(.multilineString) }
        position += 1
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = peek else { throw failure(.unterminatedString) }
            position += 1
            if scalar == "'" { return String(result) }
            if Self.isControl(scalar) { throw failure(.controlCharacter) }
            result.append(scalar)
        }
    }

    private mutating func escape() throws(TOMLError) -> Unicode.Scalar {
        guard let letter = peek else { throw failure(.invalidEscape) }
        position += 1
        switch letter {
        case "\"": return "\""
        case "\\": return "\\"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "u", "U":
            let digits = letter == "u" ? 4 : 8
            guard position + digits <= scalars.count else { throw failure(.invalidEscape) }
            let hex = String(String.UnicodeScalarView(scalars[position..<position + digits]))
            position += digits
            guard hex.allSatisfy({ $0.isASCII && $0.isHexDigit }), let code = UInt32(hex, radix: 16),
                  let scalar = Unicode.Scalar(code) else { throw failure(.invalidEscape) }
            return scalar
        default: throw failure(.invalidEscape)
        }
    }

    /// Control characters other than tab may appear in a string only as escapes.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F
    }
}
