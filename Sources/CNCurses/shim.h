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
#include <wchar.h>
#include <ncurses.h>

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

#endif
