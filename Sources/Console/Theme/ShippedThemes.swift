// The shipped themes, compiled in so a copied binary has them.
// Generated from Themes/*.toml, which stay the source: ShippedThemesTests
// fails when they differ, and rewrites this file with PAYOPS_UPDATE_SNAPSHOTS=1.

enum ShippedThemes {
    /// File name (without `.toml`) and contents, `default` first.
    static let files: [(name: String, text: String)] = [
        ("default", ##"""
# payops default: dark background, calm colours, state colours that stay
# apart for the common colour-vision deficiencies when paired with symbols.
name = "default"
description = "dark, the default"

[colors]
text      = "#d0d0d0"
dim       = "#7a7a7a"
accent    = "#5fafd7"
ok        = "#5faf5f"
warn      = "#d7af00"
critical  = "#ff5f5f"
border    = "#4e4e4e"
title     = "#87d7ff"
selection = "#005f87"
graph     = ["#3a6ea5", "#4fa3a5", "#8fbf5a", "#d7af00", "#e07b39", "#ff5f5f"]
"""##),
        ("colorblind", ##"""
# Okabe–Ito palette: ok, warn and critical stay distinct under protanopia,
# deuteranopia and tritanopia. The gradient runs blue to orange, never
# red against green.
name = "colorblind"
description = "colour-blind safe (Okabe-Ito)"

[colors]
text      = "#e0e0e0"
dim       = "#8a8a8a"
accent    = "#56b4e9"
ok        = "#0072b2"
warn      = "#f0e442"
critical  = "#d55e00"
border    = "#5a5a5a"
title     = "#56b4e9"
selection = "#3b3b6b"
graph     = ["#0072b2", "#56b4e9", "#009e73", "#f0e442", "#e69f00", "#d55e00"]
"""##),
        ("high-contrast", ##"""
# Maximum contrast: pure colours on black, for bright rooms and low vision.
name = "high-contrast"
description = "maximum contrast on black"

[colors]
text       = "#ffffff"
dim        = "#c0c0c0"
accent     = "#00ffff"
ok         = "#00ff00"
warn       = "#ffff00"
critical   = "#ff0000"
border     = "#ffffff"
title      = "#ffff00"
selection  = "#0000ff"
background = "#000000"
graph      = ["#00ffff", "#00ff00", "#ffff00", "#ff0000"]
"""##),
        ("light", ##"""
# For light terminal backgrounds.
name = "light"
description = "light background"

[colors]
text       = "#1c1c1c"
dim        = "#6c6c6c"
accent     = "#005f9f"
ok         = "#1e7b1e"
warn       = "#9a6700"
critical   = "#c00000"
border     = "#a8a8a8"
title      = "#00478a"
selection  = "#cfe3f7"
background = "#fafafa"
graph      = ["#8db4d9", "#5b9bd5", "#2e75b6", "#c55a11", "#c00000"]
"""##),
        ("monochrome", ##"""
# No colour at all: emphasis by bold and reverse video, as NO_COLOR gives.
name = "monochrome"
description = "no colour; bold and reverse for emphasis"
monochrome = true
"""##),
    ]
}
