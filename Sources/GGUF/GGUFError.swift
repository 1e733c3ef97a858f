/// Why a model file could not be opened or read, where in it, and what was wrong.
///
/// Every failure of this module is one of these, so callers can tell "the file is damaged or
/// hostile" (exit code 3) from everything else without string matching. `description` is a
/// single line fit for a terminal, e.g.
/// `invalid model file: tensor 'blk.0.attn_q.weight' offset 123456 at byte 4567 is past the end
/// of the data section (98362432 bytes)`.
public struct GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The class of problem; stable, for tests and for callers that react differently.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file ends before a field it promises.
        case truncated
        /// The first four bytes are not `GGUF`.
        case badMagic
        /// A version other than 2 or 3 (version 1 and big-endian files included).
        case unsupportedVersion
        /// A count (keys, tensors, array elements) larger than the remaining bytes could hold.
        case countTooLarge
        /// A string length that cannot be represented, or exceeds the limit for its role.
        case stringTooLong
        /// A key or tensor name that is not valid UTF-8.
        case invalidUTF8
        /// A metadata value type id outside 0...12.
        case unknownValueType
        /// A tensor type id that is not a `GGMLType` this engine can read.
        case unknownTensorType
        /// Arrays nested deeper than `GGUFArray.maximumNesting`.
        case nestingTooDeep
        /// A bool byte other than 0 or 1.
        case invalidBool
        /// A dimension count outside 1...4, a dimension < 1 or too big, or a row length that is
        /// not a whole number of quantization blocks.
        case badDimensions
        /// An element count or byte size that overflows.
        case sizeOverflow
        /// A tensor whose bytes do not lie inside the data section.
        case offsetOutOfBounds
        /// A tensor offset that is not a multiple of the file's alignment.
        case misaligned
        /// The same metadata key twice.
        case duplicateKey
        /// The same tensor name twice.
        case duplicateTensor
        /// `general.alignment` is zero, not a power of two, too large, or not a uint32.
        case badAlignment
        /// A getter asked for a key the file does not have.
        case missingKey
        /// A getter asked for a key whose value has another type.
        case wrongType
        /// An integer value that does not fit the type the getter returns.
        case valueOutOfRange
        /// The path could not be opened or mapped (the reason carries the system's message).
        case cannotOpen
        /// The path exists but is a directory, device or pipe.
        case notAFile
    }

    /// The class of problem.
    public let kind: Kind
    /// Which field was being read, e.g. `tensor[17].offset`, `metadata[3].key`,
    /// `tokenizer.ggml.tokens[4]`; the path itself for `cannotOpen` and `notAFile`.
    public let field: String
    /// Where in the file the offending field starts, when the problem has a place.
    public let byteOffset: Int?
    /// The thing that is wrong, as a reader would name it (defaults to `field`).
    public let subject: String
    /// What is wrong with it, completing the sentence that starts with `subject`.
    public let problem: String

    init(_ kind: Kind, field: String, byteOffset: Int?, subject: String? = nil, problem: String) {
        self.kind = kind
        self.field = field
        self.byteOffset = byteOffset
        // Fields can carry keys and names straight from the file; escape them like any quote.
        self.subject = subject ?? Self.escaped(field)
        self.problem = problem
    }

    /// The path could not be opened, stat'ed or mapped; `reason` is the system's message.
    public static func cannotOpen(path: String, reason: String) -> GGUFError {
        GGUFError(.cannotOpen, field: path, byteOffset: nil, subject: quoted(path), problem: reason)
    }

    /// The path names something other than a regular file.
    public static func notAFile(path: String, reason: String) -> GGUFError {
        GGUFError(.notAFile, field: path, byteOffset: nil, subject: quoted(path), problem: reason)
    }

    public var description: String {
        switch kind {
        case .cannotOpen, .notAFile:
            return "cannot open model file \(subject): \(problem)"
        default:
            let place = byteOffset.map { " at byte \($0)" } ?? ""
            return "invalid model file: \(subject)\(place) \(problem)"
        }
    }

    /// Quotes text that came from the file for a one-line message: control characters are
    /// escaped (a key containing a newline must not split the line or forge a second one) and
    /// very long text is shortened.
    static func quoted(_ text: String) -> String {
        "'" + escaped(text) + "'"
    }

    /// `text` with everything that is not plainly printable escaped, shortened to 120 characters.
    static func escaped(_ text: String) -> String {
        let limit = 120
        var result = ""
        var length = 0
        for scalar in text.unicodeScalars {
            if length == limit {
                result += "…"
                break
            }
            if isPlainPrintable(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                result += scalar.escaped(asASCII: true)
            }
            length += 1
        }
        return result
    }

    /// True for characters that print as themselves on one line: not controls, not line or
    /// paragraph separators, not invisible format characters (bidi overrides could reorder
    /// the message), and not the quote or backslash that delimit it.
    private static func isPlainPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "'" || scalar == "\\" { return false }
        if scalar.isASCII { return scalar.value >= 0x20 && scalar.value < 0x7F }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
            return false
        default:
            return true
        }
    }
}
