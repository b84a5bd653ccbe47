import ArgumentParser
import PaySim
import Foundation

/// The entry point. Argument errors are reported as one line naming the flag
/// and what is valid, with exit status 2, instead of ArgumentParser's usage dump.
@main
struct Payops {
    static func main() {
        do {
            var command = try PayopsCommand.parseAsRoot(Payops.joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
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
            var firstLine = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
            if firstLine.hasPrefix("Missing expected argument") {
                // Which command wanted it, and where its arguments are described.
                let sub = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }.map { " \($0)" } ?? ""
                firstLine += "; 'payops\(sub) --help' shows what it takes"
            }
            printError("payops: \(firstLine)")
            Foundation_exit(2)
        }
    }
}

extension Payops {
    /// `--rate -1` as `--rate=-1`: ArgumentParser would take `-1` for an
    /// option and answer "Missing value"; joined, the flag's own check says
    /// what is valid.
    static func joiningNegativeValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a.hasPrefix("--"), !a.contains("="), i + 1 < args.count, args[i + 1].count > 1, args[i + 1].hasPrefix("-"),
               let second = args[i + 1].dropFirst().first, second.isNumber || second == "." {
                out.append(a + "=" + args[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }
}

/// One line on stderr. Whatever it echoes of a person's input is shown with
/// control characters escaped and cut after 2,000 characters.
func printError(_ text: String) {
    var stream = StandardError()
    print(InputText.shown(text, limit: 2_000), to: &stream)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}

func Foundation_exit(_ code: Int32) -> Never { exit(code) }

struct PayopsCommand: ParsableCommand {
    /// The release, as `payops --version` prints it.
    static let version = "0.12.0"
    static let configuration = CommandConfiguration(
        commandName: "payops",
        abstract: "A payment operations console over a deterministic simulation of the platform.",
        version: "payops \(PayopsCommand.version)",
        subcommands: [ConsoleCommand.self, RunCommand.self, ServeCommand.self, AttachCommand.self, SessionsCommand.self, BenchCommand.self, ThemesCommand.self, ConfigCommand.self, ScenariosCommand.self, ReplayCommand.self, CleanupCommand.self, FuzzCommand.self],
        defaultSubcommand: ConsoleCommand.self
    )
}
