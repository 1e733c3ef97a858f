import ArgumentParser
import BuddyProviders
import Foundation
import LLMEngine

/// `clicky models list | pull NAME | rm NAME | import PATH | path NAME`.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, pull, import and remove models.",
        subcommands: [List.self, Pull.self, Remove.self, Import.self, Path.self], defaultSubcommand: List.self)

    /// The store as the environment places it: our models directory and the Hugging Face cache.
    static func store(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> (ModelStore, HubSettings) {
        let settings = HubSettings(environment: environment)
        return (ModelStore(modelsDirectory: ModelLocator.modelsDirectory.path, hub: HubCache(directory: settings.cacheDirectory)),
                settings)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The catalogue and what is installed.")

        func run() throws {
            let (store, _) = Models.store()
            print("catalogue (name · size · licence · where):")
            for entry in ModelCatalog.models {
                let place = store.resolve(entry.name) ?? "not installed"
                let marker = entry.name == ModelCatalog.defaultModelName ? " (default)" : ""
                print("  \(entry.name)\(marker) · \(DownloadProgress.megabytes(entry.approximateBytes)) MB · \(entry.licence) · \(place)")
            }
            let catalogued = Set(ModelCatalog.models.map(\.file))
            let others = store.localFiles().filter { !catalogued.contains($0.name) }
            if !others.isEmpty {
                print("imported:")
                for file in others { print("  \(file.name) · \(DownloadProgress.megabytes(file.bytes)) MB · \(file.path)") }
            }
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a model from the Hugging Face Hub (resumable; HF_TOKEN for gated models).")

        @Argument(help: "A catalogue name (clicky models list) or a Hub file: org/name/file.gguf[@revision].")
        var name: String

        func run() async throws {
            guard let file = ModelStore.hubFile(for: name) else {
                if ModelCatalog.model(named: name) != nil { throw CLIError(ModelStoreError.notOnTheHub(name).description) }
                throw CLIError(ModelStoreError.unknownModel(name).description, exitCode: ExitStatus.usage)
            }
            let (_, settings) = Models.store()
            let downloader = HubDownloader(settings: settings, transport: URLSessionTransport())
            let bar = ProgressBar(label: file.path)
            let interrupts = InterruptMonitor()
            let task = Task { () throws(HubError) -> String in
                try await downloader.download(file) { bar.update($0) }
            }
            do {
                let path = try await interrupts.whileRunning(cancel: { task.cancel() }) { try await task.value }
                bar.finish()
                print(path)
            } catch let error as HubError {
                bar.finish()
                if task.isCancelled {
                    throw CLIError("interrupted: the partial download is kept; run the pull again to resume",
                                   exitCode: ExitStatus.interrupted)
                }
                throw CLIError(error.description, exitCode: error.isNetwork ? ExitStatus.network : ExitStatus.failure)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an installed model.")

        @Argument(help: "A catalogue name, a file name in the models directory, or org/name/file.gguf.")
        var name: String

        func run() throws {
            let (store, _) = Models.store()
            do { print("removed \(try store.remove(name))") } catch {
                throw CLIError(error.description, exitCode: error.isInvalidInput ? ExitStatus.invalidInput : ExitStatus.failure)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a GGUF file you already have into the models directory.")

        @Argument(help: "The .gguf file.")
        var path: String

        func run() throws {
            let (store, _) = Models.store()
            do {
                let name = try store.importFile(at: path)
                print("imported \(name): use --model \(name)")
            } catch {
                throw CLIError(error.description, exitCode: error.isInvalidInput ? ExitStatus.invalidInput : ExitStatus.failure)
            }
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print where an installed model's file is.")

        @Argument(help: "A catalogue name, a file name in the models directory, or org/name/file.gguf.")
        var name: String

        func run() throws {
            let (store, _) = Models.store()
            guard let path = store.resolve(name) else {
                throw CLIError(ModelStoreError.notInstalled(name).description, exitCode: ExitStatus.invalidInput)
            }
            print(path)
        }
    }
}
