#ifndef PAYOPS_CNCURSES_SHIM_H
#define PAYOPS_CNCURSES_SHIM_H

/* SwiftPM drops pkg-config's -D flags, so the wide-character API is switched
   on here, before ncurses.h is seen. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <wchar.h>
#include <ncurses.h>
#include <term.h>
#include <sys/ioctl.h>
#include <poll.h>

/* Macros and shared mutable globals do not import into Swift 6; these
   functions are the only way the console reaches them. */
static inline WINDOW *payops_stdscr(void) { return stdscr; }
static inline int payops_lines(void) { return LINES; }
static inline int payops_cols(void) { return COLS; }
static inline int payops_colors(void) { return COLORS; }
static inline int payops_color_pairs(void) { return COLOR_PAIRS; }
static inline int payops_err(void) { return ERR; }
static inline int payops_ok(void) { return OK; }
static inline attr_t payops_a_normal(void) { return A_NORMAL; }
static inline attr_t payops_a_bold(void) { return A_BOLD; }
static inline attr_t payops_a_reverse(void) { return A_REVERSE; }
static inline attr_t payops_a_dim(void) { return A_DIM; }
static inline attr_t payops_a_underline(void) { return A_UNDERLINE; }
static inline attr_t payops_color_pair(short n) { return COLOR_PAIR(n); }
static inline chtype payops_acs_hline(void) { return ACS_HLINE; }
static inline chtype payops_acs_vline(void) { return ACS_VLINE; }
static inline chtype payops_acs_ulcorner(void) { return ACS_ULCORNER; }
static inline chtype payops_acs_urcorner(void) { return ACS_URCORNER; }
static inline chtype payops_acs_llcorner(void) { return ACS_LLCORNER; }
static inline chtype payops_acs_lrcorner(void) { return ACS_LRCORNER; }
static inline int payops_key_resize(void) { return KEY_RESIZE; }
static inline int payops_key_mouse(void) { return KEY_MOUSE; }
static inline mmask_t payops_button1_pressed(void) { return BUTTON1_PRESSED | BUTTON1_CLICKED; }
static inline const char *payops_setlocale_all(void) { return setlocale(LC_ALL, ""); }
static inline const char *payops_codeset(void) { return nl_langinfo(CODESET); }
static inline int payops_key_code_yes(void) { return KEY_CODE_YES; }
static inline SCREEN *payops_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline int payops_is_tty(void) { return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO); }
/* Direct colour: the terminfo RGB flag (xterm-direct and friends). */
static inline int payops_has_direct_color(void) { return tigetflag("RGB") > 0; }
/* Cursor addressing (the terminfo "cup" string): without it (TERM=dumb) a
   full-screen program cannot place anything. */
static inline int payops_can_address_cursor(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

/* A terminfo string capability, or NULL when the terminal has none. */
static inline const char *payops_tigetstr(const char *name) {
    char *s = tigetstr(name);
    return (s == NULL || s == (char *)-1) ? NULL : s;
}
/* tiparm is variadic, which Swift cannot call. */
static inline const char *payops_tiparm1(const char *cap, int a) { return tiparm(cap, a); }
static inline const char *payops_tiparm2(const char *cap, int a, int b) { return tiparm(cap, a, b); }

/* Set when the process is continued after a stop (Ctrl-Z, then fg): the
   console then draws its whole screen again. */
static volatile sig_atomic_t payops_continued = 0;
static void payops_on_continue(int sig) { (void)sig; payops_continued = 1; }
static inline int payops_take_continued(void) {
    int c = payops_continued;
    payops_continued = 0;
    return c;
}

/* Signals. A handler may only set a flag; the frame loop reads it and
   leaves through its normal exit, which restores the terminal. Fatal
   signals restore the terminal first and then die as they would have. */
static volatile sig_atomic_t payops_pending_signal = 0;
static void payops_on_signal(int sig) { payops_pending_signal = sig; }
static void payops_on_fatal(int sig) {
    endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}
/* SIGINT, SIGTERM and SIGHUP only set the flag: the console's frame loop
   or a headless run's next slice sees it, cleans up and exits. A parent
   may have left them blocked (the mask is inherited across exec): unblock
   them, or SIGTERM would wait forever. */
static inline void payops_catch_stop_signals(void) {
    struct sigaction sa;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sa.sa_handler = payops_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGTERM);
    sigaddset(&unblock, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
}
/* The console: the stop signals, SIGWINCH unblocked, and fatal signals
   that restore the terminal before dying. */
static inline void payops_install_signal_handlers(void) {
    payops_catch_stop_signals();
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGWINCH);
    sigprocmask(SIG_UNBLOCK, &unblock, NULL);
    struct sigaction sa;
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = payops_on_fatal;
    sa.sa_flags = SA_RESETHAND;
    int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) sigaction(fatal[i], &sa, NULL);
    struct sigaction cont;
    sigemptyset(&cont.sa_mask);
    cont.sa_flags = SA_RESTART;
    cont.sa_handler = payops_on_continue;
    sigaction(SIGCONT, &cont, NULL);
}
/* Resizes ncurses to the terminal's real size if it changed without a
   SIGWINCH reaching us; returns 1 if it did. */
static inline int payops_sync_size(void) {
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return 0;
    if (ws.ws_row == LINES && ws.ws_col == COLS) return 0;
    resizeterm(ws.ws_row, ws.ws_col);
    return 1;
}

/* True once the terminal has gone away (its pty closed): the console then
   quits instead of spinning on a dead input. */
static inline int payops_input_hung_up(void) {
    struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
    if (poll(&p, 1, 0) < 0) return 0;
    return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* The signal that arrived since the last call, or 0. */
static inline int payops_take_signal(void) {
    int s = payops_pending_signal;
    payops_pending_signal = 0;
    return s;
}

#endif
