/// The names `espeak-ng -v` accepts, read from `espeak-ng --voices` (or `--voices=variant`):
///
///     Pty Language       Age/Gender VoiceName          File                 Other Languages
///      2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
///
/// A voice may be named by its language code, one of its other languages, its voice name
/// (printed with "_" for spaces) or its file, whole or last part ("gmw/en-US", "en-US"; the
/// variants' files are "!v/f3"). espeak-ng ignores case, and so does `contains`.
struct EspeakVoiceListing {
    /// The language codes (second column), each once, in listing order: what an error offers.
    private(set) var languages: [String] = []
    /// Every accepted name, lower-cased.
    private var names: Set<String> = []

    init(_ listing: String) { read(listing) }

    /// Adds the names of another listing; its languages are offered only if `offeringLanguages`
    /// (MBROLA voices, which plain `--voices` leaves out, need a package that may be missing).
    mutating func read(_ listing: String, offeringLanguages: Bool = true) {
        for line in listing.split(separator: "\n").dropFirst() {
            let columns = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard columns.count >= 5 else { continue }
            let (language, name, file) = (columns[1], columns[3], columns[4])
            if offeringLanguages, !languages.contains(language) { languages.append(language) }
            var accepted = [language, name, name.replacingOccurrences(of: "_", with: " "), file]
            if let last = file.split(separator: "/").last { accepted.append(String(last)) }
            // "(en-gb 3)(en 5)": each other language with its priority.
            accepted += columns.dropFirst(5).joined(separator: " ").split(separator: "(").compactMap {
                $0.split(separator: " ").first.map(String.init)
            }
            names.formUnion(accepted.map { $0.lowercased() })
        }
    }

    func contains(_ name: String) -> Bool { names.contains(name.lowercased()) }

    /// What to install for an MBROLA voice: espeak-ng names the missing voice file
    /// ("Cannot find MBROLA voice file 'us1'"), which Debian packages as `mbrola-us1`.
    static func mbrolaHint(_ message: String) -> String {
        let quoted = message.split(separator: "'", omittingEmptySubsequences: false)
        if quoted.count >= 3, !quoted[1].isEmpty, quoted[1].allSatisfy({ $0.isLetter || $0.isNumber }) {
            return "apt install mbrola mbrola-\(quoted[1])"
        }
        return "apt install mbrola and the voice's mbrola-* package"
    }
}
