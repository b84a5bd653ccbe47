import ArgumentParser
import PaySim
import Foundation

/// The entry point. Argument errors are reported as one line naming the flag
/// and what is valid, with exit status 2, instead of ArgumentParser's usage dump.
@main
struct Payops {
    static func main() {
        do {
            var command = try PayopsCommand.parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation_exit(exit.rawValue)
        } catch {
            let code = PayopsCommand.exitCode(for: error)
            if code == .success {
                print(PayopsCommand.fullMessage(for: error))
                Foundation_exit(0)
            }
            let message = PayopsCommand.message(for: error)
            let firstLine = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
            printError("payops: \(firstLine)")
            Foundation_exit(2)
        }
    }
}

func printError(_ text: String) {
    var stream = StandardError()
    print(text, to: &stream)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}

func Foundation_exit(_ code: Int32) -> Never { exit(code) }

struct PayopsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payops",
        abstract: "A payment operations console over a deterministic simulation of the platform.",
        subcommands: [ConsoleCommand.self, RunCommand.self, BenchCommand.self, ThemesCommand.self],
        defaultSubcommand: ConsoleCommand.self
    )
}
