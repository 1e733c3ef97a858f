import BuddyCore
import Foundation
import Speech

/// The cloud voice: ElevenLabs text to speech (`protocols.md` §5.1), directly with the user's
/// key or through the original app's worker (`clicky-behaviour.md` §1.7). It sends what the
/// original sends — the sentence, `eleven_flash_v2_5` and its voice settings — and waits for the
/// whole clip, as the original did.
///
/// - Direct: asks for `output_format=pcm_16000`, raw 16-bit little-endian mono at 16 kHz, so
///   there is nothing to decode and nothing lost to a codec. Should the answer be MP3 anyway
///   (`audio/mpeg`), it is decoded as MP3.
/// - Worker: the worker fixes the format (MP3); `MP3Decoder` decodes it.
/// - 429 and 5xx are retried as the cloud brains retry (`RetryPolicy`); a refusal or a failure
///   is a `CloudVoiceError` naming which, scrubbed of the key. A cancelled task gets
///   `CancellationError`.
public struct ElevenLabsVoice: SpeechSynthesizer {
    public let configuration: ElevenLabsConfiguration
    private let transport: any HTTPTransport
    private let retry: RetryPolicy

    /// The most audio bytes read: about eight minutes of 16 kHz PCM, far beyond a sentence.
    static let bodyLimit = 16 << 20

    public init(configuration: ElevenLabsConfiguration, transport: any HTTPTransport, retry: RetryPolicy = RetryPolicy()) {
        self.configuration = configuration
        self.transport = transport
        self.retry = retry
    }

    /// The text goes to ElevenLabs (and perhaps a worker): never for Local Mode.
    public var needsInternet: Bool { true }

    /// Speaks `text`; throws `CloudVoiceError`, or `CancellationError` when the task is cancelled.
    /// Text with nothing to say (empty, only spaces) is an empty clip, without a request.
    public func synthesize(_ text: String) async throws -> AudioClip {
        do {
            return try await speak(text)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    }

    /// `synthesize` with its one error type.
    public func speak(_ text: String) async throws(CloudVoiceError) -> AudioClip {
        guard !text.allSatisfy(\.isWhitespace) else {
            return AudioClip(samples: [], sampleRate: ElevenLabsConfiguration.pcmSampleRate)
        }
        do {
            return try await fetch(try request(for: text))
        } catch {
            throw error.redacting(configuration.apiKey)
        }
    }

    /// The HTTP request for one sentence.
    func request(for text: String) throws(CloudVoiceError) -> HTTPRequest {
        var headers = ["content-type": "application/json"]
        switch configuration.endpoint {
        case .direct(let key, _):
            guard !key.value.isEmpty else {
                throw CloudVoiceError(.notConfigured, service: configuration.service, detail: "the ElevenLabs API key is empty")
            }
            headers["xi-api-key"] = key.value
            // The format is chosen by `output_format`; the official SDKs send no narrower Accept.
            headers["accept"] = "*/*"
        case .worker:
            headers["accept"] = "audio/mpeg"   // what the original app asks its worker for
        }
        let body = ElevenLabsRequestBody(text: text, configuration: configuration)
        let bytes: [UInt8]
        do {
            bytes = Array(try CloudJSON.encoder.encode(body))
        } catch {
            throw CloudVoiceError(.notConfigured, service: configuration.service, detail: "could not encode the request: \(error)")
        }
        return HTTPRequest(method: "POST", url: try configuration.url(), headers: headers, body: bytes,
                           timeout: configuration.timeout)
    }

    private func fetch(_ request: HTTPRequest) async throws(CloudVoiceError) -> AudioClip {
        let service = configuration.service
        let reply: CloudReply
        do {
            reply = try await retry.send(request, over: transport)
        } catch {
            throw .transport(error, service: service)
        }
        let response: HTTPResponse
        switch reply {
        case .streaming(let streaming): response = streaming
        case .refused(let head, let body): throw .refused(status: head.status, body: body, service: service)
        }
        let bytes: [UInt8]
        do {
            bytes = try await response.collect(limit: Self.bodyLimit)
        } catch {
            throw .transport(HTTPTransportError(any: error), service: service)
        }
        let type = response.head.header("content-type")?.lowercased() ?? ""
        if type.hasPrefix("application/json") || type.hasPrefix("text/") {
            let said = ElevenLabsErrorBody(status: response.head.status, body: bytes).message
            throw CloudVoiceError(.invalidAudio, service: service, detail: "\(type) instead of audio: \(said)")
        }
        let isMP3: Bool
        if case .worker = configuration.endpoint { isMP3 = true } else { isMP3 = type.hasPrefix("audio/mpeg") || type.hasPrefix("audio/mp3") }
        return isMP3 ? try Self.mp3(bytes, service: service) : try Self.pcm(bytes, service: service)
    }

    /// Raw signed 16-bit little-endian mono at 16 kHz.
    static func pcm(_ bytes: [UInt8], service: String) throws(CloudVoiceError) -> AudioClip {
        guard !bytes.isEmpty else { throw CloudVoiceError(.invalidAudio, service: service, detail: "an empty body") }
        guard bytes.count % 2 == 0 else {
            throw CloudVoiceError(.invalidAudio, service: service, detail: "\(bytes.count) bytes is not whole 16-bit samples")
        }
        let samples = stride(from: 0, to: bytes.count, by: 2).map { at in
            Float(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8)) * (1 / 32_768)
        }
        return AudioClip(samples: samples, sampleRate: ElevenLabsConfiguration.pcmSampleRate)
    }

    static func mp3(_ bytes: [UInt8], service: String) throws(CloudVoiceError) -> AudioClip {
        do {
            return try MP3Decoder.decode(bytes, name: "MP3")
        } catch {
            let reason = switch error {
            case .invalidAudio(_, let reason), .unsupportedAudio(_, let reason), .invalidModel(_, let reason), .io(_, let reason): reason
            }
            throw CloudVoiceError(.invalidAudio, service: service, detail: "not a playable MP3: \(reason)")
        }
    }
}

/// The text-to-speech request body (`elevenlabs-tts-request.json`), in the original's key order.
struct ElevenLabsRequestBody: Encodable {
    struct VoiceSettings: Encodable {
        var stability: Double
        var similarityBoost: Double

        enum CodingKeys: String, CodingKey {
            case stability
            case similarityBoost = "similarity_boost"
        }
    }

    var text: String
    var modelID: String
    var voiceSettings: VoiceSettings

    enum CodingKeys: String, CodingKey {
        case text
        case modelID = "model_id"
        case voiceSettings = "voice_settings"
    }

    init(text: String, configuration: ElevenLabsConfiguration) {
        self.text = text
        modelID = configuration.model
        voiceSettings = VoiceSettings(stability: configuration.stability, similarityBoost: configuration.similarityBoost)
    }
}
