-- Status words in tables ([on track]{.status .status-on-track}) keep their text and gain a
-- colour: CSS does it in HTML; for Typst this filter wraps them in a coloured box.
-- Used by both renderers (Quarto lists it in _quarto.yml; the built-in renderer passes it to Pandoc).
local colours = {
  ["status-on-track"] = "#009E73", ["status-meets-target"] = "#009E73",
  ["status-at-risk"] = "#E69F00",
  ["status-off-track"] = "#D55E00", ["status-misses-target"] = "#D55E00",
  ["status-confidential"] = "#7A7A7A", ["status-suppressed"] = "#7A7A7A",
  ["status-no-data"] = "#9A9A9A", ["status-no-baseline"] = "#9A9A9A",
  ["status-withheld"] = "#7A7A7A", ["status-provisional"] = "#56B4E9", ["status-baseline"] = "#9A9A9A",
}

function Span(el)
  if not el.classes:includes("status") then return nil end
  if not (FORMAT:match("typst")) then return nil end
  for _, class in ipairs(el.classes) do
    local colour = colours[class]
    if colour then
      local text = pandoc.utils.stringify(el.content)
      return pandoc.RawInline("typst",
        '#box(fill: rgb("' .. colour .. '").lighten(80%), stroke: 0.5pt + rgb("' .. colour .. '"), inset: (x: 3pt, y: 1.5pt), radius: 2pt)[#text(fill: rgb("' .. colour .. '").darken(35%), weight: "bold")[' .. text .. ']]')
    end
  end
  return nil
end
