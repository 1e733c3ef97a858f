import GGUF

/// Why the engine could not load a model or produce tokens.
///
/// Every case renders as one line a user can act on. `isInvalidModel` tells the CLI to exit
/// with code 3 (invalid model or input file) rather than 1.
public enum EngineError: Error, CustomStringConvertible, Sendable {
    case invalidFile(GGUFError)
    case unsupportedArchitecture(String, supported: [String])
    case missingMetadata(key: String)
    case badMetadata(key: String, reason: String)
    case missingTensor(String)
    case badTensorShape(name: String, expected: [Int], found: [Int])
    case unsupportedTensorType(name: String, type: String)
    case tokenizer(String)
    case chatFormat(String)
    case promptTooLong(tokens: Int, limit: Int)
    case emptyPrompt
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .invalidFile(let error):
            return error.description
        case .unsupportedArchitecture(let name, let supported):
            return "invalid model file: unsupported architecture '\(name)'; supported: \(supported.joined(separator: ", "))"
        case .missingMetadata(let key):
            return "invalid model file: required metadata key '\(key)' is missing"
        case .badMetadata(let key, let reason):
            return "invalid model file: metadata '\(key)' \(reason)"
        case .missingTensor(let name):
            return "invalid model file: tensor '\(name)' is missing"
        case .badTensorShape(let name, let expected, let found):
            return "invalid model file: tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedTensorType(let name, let type):
            return "invalid model file: tensor '\(name)' uses \(type), which this engine cannot multiply yet"
        case .tokenizer(let message):
            return "invalid model file: \(message)"
        case .chatFormat(let message):
            return "invalid model file: \(message)"
        case .promptTooLong(let tokens, let limit):
            return "prompt is \(tokens) tokens, longer than the context window of \(limit)"
        case .emptyPrompt:
            return "the prompt is empty"
        case .invalidParameter(let message):
            return message
        }
    }

    /// True when the error is about the model file itself (CLI exit code 3).
    public var isInvalidModel: Bool {
        switch self {
        case .invalidFile, .unsupportedArchitecture, .missingMetadata, .badMetadata, .missingTensor,
             .badTensorShape, .unsupportedTensorType, .tokenizer, .chatFormat:
            return true
        case .promptTooLong, .emptyPrompt, .invalidParameter:
            return false
        }
    }
}
