import Testing
import CNCurses
@testable import Console

@Suite struct NCursesSmokeTests {
    @Test func linksAgainstWideNCurses() {
        #expect(NCursesTerminal.libraryVersion.hasPrefix("ncurses 6"))
        // The shim's re-exported macros carry ncurses' real values.
        #expect(payops_a_bold() != 0 && payops_a_bold() != payops_a_reverse())
        #expect(payops_color_pair(3) == payops_color_pair(1) * 3)
        #expect(payops_err() == -1)
    }
}
