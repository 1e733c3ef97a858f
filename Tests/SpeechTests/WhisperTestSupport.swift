import Foundation
import XCTest
@testable import Speech

/// The Whisper tests' fixtures: the installed model (skipped, with the fix, when absent), the
/// test speech of Tests/Fixtures/speech and its spoken texts.
enum WhisperFixtures {
    static let speech = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/speech").standardized

    struct Utterance: Decodable {
        let file: String
        let text: String
        let sample_rate: Int
        let seconds: Double
    }

    /// Tests that run the encoder are skipped in unoptimised builds, where one 30 s window takes
    /// about three minutes instead of a third of a second: run them in release, as
    /// scripts/test.sh does.
    static func requireOptimizedBuild() throws {
        #if DEBUG
        throw XCTSkip("the Whisper encoder runs ~500× slower unoptimised; run in release (scripts/test.sh)")
        #endif
    }

    /// The installed model (the test is skipped, with the fix, when it is not there).
    static func modelFiles() throws -> WhisperModelFiles {
        let directory = WhisperModelFiles.defaultDirectory
        guard FileManager.default.fileExists(atPath: directory + "/model.bin") else {
            throw XCTSkip("whisper-tiny.en is not installed at \(directory); run scripts/setup.sh")
        }
        return try WhisperModelFiles(directory: directory)
    }

    static func utterances() throws -> [Utterance] {
        struct List: Decodable { let utterances: [Utterance] }
        let data = try Data(contentsOf: speech.appendingPathComponent("utterances.json"))
        return try JSONDecoder().decode(List.self, from: data).utterances
    }

    static func clip(_ file: String) throws -> AudioClip {
        try WAVFile.read(path: speech.appendingPathComponent(file).path)
    }

    /// The file's samples at 16 kHz (resampled by our Resampler when the file is 8 kHz).
    static func samples16k(_ file: String) throws -> [Float] {
        Resampler.resample(try clip(file), to: 16_000).samples
    }
}

/// Word error rate as the tests measure it: the word-level edit distance (substitutions,
/// insertions, deletions) between normalised reference and hypothesis, over the reference's word
/// count. Both sides are normalised the same way, as scripts/whisper/faster_whisper_reference.py
/// does for its own WER, so that a transcript is not penalised for writing what was spoken in
/// another notation:
/// - lower case; ’ becomes ';
/// - contractions expanded (can't → can not, won't → will not, n't → not, 'm → am, 're → are,
///   'll → will, 've → have); gray → grey, e-mail → email, okay → ok;
/// - digits spelled out as the test speech says them: "7:30"/"7.30" → seven thirty ("7:00" →
///   seven), "9,000,000" → nine million, four-digit years 1100–1999 in pairs ("1984" → nineteen
///   eighty four, "1905" → nineteen oh five), everything else as a cardinal ("120" → one hundred
///   twenty); "%" → percent;
/// - punctuation dropped (apostrophes too), and "and" between two number words dropped
///   ("one hundred and twenty" = "one hundred twenty").
enum WordErrorRate {
    static func errors(reference: String, hypothesis: String) -> (errors: Int, words: Int) {
        let r = normalize(reference), h = normalize(hypothesis)
        return (editDistance(r, h), r.count)
    }

    static func normalize(_ text: String) -> [String] {
        var s = text.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")
        for (pattern, replacement) in [(#"\bcan't\b"#, "can not"), (#"\bwon't\b"#, "will not"), (#"n't\b"#, " not"),
                                       (#"'m\b"#, " am"), (#"'re\b"#, " are"), (#"'ll\b"#, " will"),
                                       (#"'ve\b"#, " have"), (#"\bgray\b"#, "grey"), (#"\be-mail\b"#, "email"),
                                       (#"\bokay\b"#, "ok"), (#"(?<=\d),(?=\d{3}\b)"#, "")] {
            s = s.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        s = replace(#"\b(\d{1,2})[:.](\d{2})\b"#, in: s) { groups in
            groups[2] == "00" ? groups[1] : groups[1] + " " + groups[2]
        }
        s = s.replacingOccurrences(of: "%", with: " percent")
        s = replace(#"\d+"#, in: s) { groups in " " + spoken(groups[0]).joined(separator: " ") + " " }
        let words = s.replacingOccurrences(of: "[^a-z' ]+", with: " ", options: .regularExpression)
            .replacingOccurrences(of: "'", with: "").split(separator: " ").map(String.init)
        return words.enumerated().compactMap { index, word in
            let between = index > 0 && index < words.count - 1 && numberWords.contains(words[index - 1])
                && numberWords.contains(words[index + 1])
            return word == "and" && between ? nil : word
        }
    }

    static func editDistance(_ a: [String], _ b: [String]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    private static let ones = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                               "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                               "eighteen", "nineteen"]
    private static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    private static let numberWords = Set(ones + tens.filter { !$0.isEmpty } + ["hundred", "thousand", "million", "billion", "oh"])

    /// A digit string as spoken: years in pairs, otherwise a cardinal.
    static func spoken(_ digits: String) -> [String] {
        guard let n = Int(digits.prefix(15)) else { return digits.map { ones[Int(String($0)) ?? 0] } }
        if digits.count == 4, (1100...1999).contains(n), n % 100 != 0 {
            return cardinal(n / 100) + (n % 100 < 10 ? ["oh"] : []) + cardinal(n % 100)
        }
        return cardinal(n)
    }

    static func cardinal(_ n: Int) -> [String] {
        if n < 20 { return [ones[n]] }
        if n < 100 { return [tens[n / 10]] + (n % 10 == 0 ? [] : [ones[n % 10]]) }
        if n < 1000 { return [ones[n / 100], "hundred"] + (n % 100 == 0 ? [] : cardinal(n % 100)) }
        for (size, name) in [(1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")] where n >= size {
            return cardinal(n / size) + [name] + (n % size == 0 ? [] : cardinal(n % size))
        }
        return []
    }

    /// Replaces every match of `pattern` with `transform(capture groups)`.
    private static func replace(_ pattern: String, in text: String, _ transform: ([String]) -> String) -> String {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        var result = text
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            let groups = (0..<match.numberOfRanges).map { index -> String in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
            if let range = Range(match.range, in: result) { result.replaceSubrange(range, with: transform(groups)) }
        }
        return result
    }
}

/// A small deterministic generator for test noise.
struct WhisperTestNoise {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in -1…1.
    mutating func nextSigned() -> Float { Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) }
}
