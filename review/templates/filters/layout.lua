-- Page layout of the book, for both renderers (Quarto lists it in _quarto.yml; the built-in
-- renderer passes it to Pandoc before the numbering filter).
--
-- 1. Conditional content, as Quarto writes it: `::: {.content-visible when-format="html"}`
--    keeps a block only in HTML, `.content-hidden` drops it there; `unless-format` inverts.
--    Quarto does this itself, so the filter only does it when Pandoc runs alone: then the
--    full member tables stay in the HTML and out of the PDF under either renderer.
-- 2. Typst: table columns follow their content, not the widths Pandoc derives from the
--    pipe table's dashes, which made numbers run into the next column; a short table stays
--    on one page (built-in renderer).
-- 3. Typst: the contents (chapters only) come after the "At a glance" page, not before it
--    (Quarto's book template prints its own contents, so only without Quarto).
-- 4. The built-in renderer's HTML book (chunkedhtml, one page per level-1 heading): the
--    "At a glance" heading leaves its box, so that it opens a page of its own (the book's
--    first page); a part's page lists its chapters ("Chapter 3: Lithium", linked).

local function format_matches(name)
  if name == "html" then return FORMAT:match("html") ~= nil end
  if name == "pdf" then return FORMAT:match("typst") ~= nil or FORMAT:match("latex") ~= nil end
  return FORMAT == name
end

-- Whether a `.content-visible`/`.content-hidden` block shows in this format (nil: not conditional).
local function shown(el)
  local visible = el.classes:includes("content-visible")
  if not visible and not el.classes:includes("content-hidden") then return nil end
  local when, unless = el.attributes["when-format"], el.attributes["unless-format"]
  local matches = true
  if when then matches = format_matches(when) end
  if unless then matches = matches and not format_matches(unless) end
  if visible then return matches end
  return not matches
end

local function conditional(el)
  if quarto ~= nil then return nil end  -- Quarto has already resolved it
  local show = shown(el)
  if show == nil then return nil end
  if show then return el.content end
  return {}
end

-- Characters a table row holds across the text width at the tables' type size (7.6pt DejaVu Sans).
local ROW_CHARACTERS = 100

local function measure(cell, lengths, widest)
  local text = pandoc.utils.stringify(cell.contents)
  table.insert(lengths, utf8.len(text) or #text)
  for word in text:gmatch("%S+") do widest = math.max(widest, utf8.len(word) or #word) end
  return widest
end

-- A column's typical long cell: the 90th percentile of its cell lengths (as review.report.markdown
-- sizes pipe tables), so that one long cell does not widen a column of short ones.
local function long_cell(lengths)
  table.sort(lengths)
  return lengths[math.ceil(0.9 * (#lengths - 1)) + 1] or 0
end

-- Column widths that follow content: a table that fits takes its natural (auto) widths; in
-- a wider one each column gets at least its longest word, and the rest of the row goes to
-- the columns that wrap, in proportion to their typical long cell (capped at 60 characters,
-- so one long name does not starve the others).
local function content_widths(tbl)
  local n = #tbl.colspecs
  local lengths, longest, widest = {}, {}, {}
  for i = 1, n do lengths[i], widest[i] = {}, 0 end
  local function rows(list)
    for _, row in ipairs(list) do
      for i, cell in ipairs(row.cells) do
        if i <= n then widest[i] = measure(cell, lengths[i], widest[i]) end
      end
    end
  end
  rows(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do rows(body.body) end
  local natural = 0
  for i = 1, n do
    natural = natural + math.max(table.unpack(#lengths[i] > 0 and lengths[i] or {0})) + 2
    longest[i] = long_cell(lengths[i])
  end
  -- every column gets its longest word (plus the cell's inset); the room left goes to the
  -- columns that would wrap, in proportion to what they lack
  local least, wanted, spare, lacking = {}, {}, ROW_CHARACTERS, 0
  for i = 1, n do
    least[i] = widest[i] + 2
    wanted[i] = math.max(least[i], math.min(longest[i], 60) + 2)
    spare = spare - least[i]
    lacking = lacking + wanted[i] - least[i]
  end
  local share, total = {}, 0
  for i = 1, n do
    share[i] = least[i]
    if lacking > 0 and spare > 0 then share[i] = share[i] + (wanted[i] - least[i]) * math.min(1, spare / lacking) end
    total = total + share[i]
  end
  for i, spec in ipairs(tbl.colspecs) do
    tbl.colspecs[i] = {spec[1], natural <= ROW_CHARACTERS and pandoc.ColWidthDefault or share[i] / total}
  end
  return tbl
end

-- Typst (built-in renderer): a table of at most SHORT_TABLE rows is kept on one page (tables
-- may break across pages, so a three-row table left its last row alone under a repeated header
-- on the next page, away from its caption).
local SHORT_TABLE = 8
local function short_table_together(tbl)
  local rows = 0
  for _, body in ipairs(tbl.bodies) do rows = rows + #body.body end
  if rows > SHORT_TABLE then return nil end
  return pandoc.Div({tbl}, {["typst:breakable"] = "false"})
end

local OUTLINE = "#pagebreak(weak: true)\n#outline(title: [Contents], depth: 1, indent: 1.2em)"  -- About this review runs on below

-- orange-book replaces the page margins of _quarto.yml with its own (3 cm at the sides), which
-- made text and tables narrower than the built-in PDF's and the book 20% longer; they are set
-- again, from the same `margin` setting, for the pages after its cover and contents.
local function book_margins(meta)
  local margin = meta.margin
  if not margin or not margin.x or not margin.y then return "" end
  local x, y = pandoc.utils.stringify(margin.x), pandoc.utils.stringify(margin.y)
  return "\n#set page(margin: (x: " .. x .. ", y: " .. y .. "))"
end

-- The annexes in smaller type, lines and table rows closer, as reference matter is set in the
-- USGS Mineral Commodity Summaries and the IEA's outlooks (the closer lines kept the sample at
-- 50 pages when the sources annex gained demand.csv's sources): everything after the built-in
-- book's Annexes part heading, or from Quarto's first annex (its first level-1 heading of class `appendix`:
-- Quarto's book has no part heading for them, and orange-book's appendices rule goes
-- inside the block, so it still applies to every annex).
local SMALLER = "#[\n#set text(size: 9pt)\n#set par(leading: 0.52em)\n#show table: set text(size: 7.2pt)\n#set table(inset: (x: 4pt, y: 2pt))"

local function annexes_in_smaller_type(doc)
  local blocks, inside = pandoc.List(), false
  for _, block in ipairs(doc.blocks) do
    local part = block.t == "Header" and block.identifier == "part-annexes"
    local first = block.t == "Header" and block.level == 1 and block.classes:includes("appendix")
    if not inside and (part or first) then
      inside = true
      if part then blocks:insert(block) end
      blocks:insert(pandoc.RawBlock("typst", SMALLER))
      if first then blocks:insert(block) end
    else
      blocks:insert(block)
    end
  end
  if inside then blocks:insert(pandoc.RawBlock("typst", "]")) end
  doc.blocks = blocks
  return doc
end

local function place_contents(doc)
  local blocks, placed = pandoc.List(), false
  for _, block in ipairs(doc.blocks) do
    if not placed and block.t == "Div" and block.classes:includes("glance") then
      blocks:extend(block.content)  -- unwrapped: Typst allows no page break inside a block
      blocks:insert(pandoc.RawBlock("typst", OUTLINE))
      placed = true
    else
      blocks:insert(block)
    end
  end
  if not placed then blocks:insert(1, pandoc.RawBlock("typst", OUTLINE)) end
  doc.blocks = blocks
  return doc
end

-- chunkedhtml splits the book at level-1 headings that are not inside a block: the glance's
-- heading goes first, its content stays in the box.
local function glance_page(block)
  local content = block.content
  if #content > 0 and content[1].t == "Header" and content[1].level == 1 then
    local heading = content:remove(1)
    return {heading, pandoc.Div(content, block.attr)}
  end
  return nil
end

-- A part heading is followed by a list of its chapters: a reference to each (crossref.lua
-- writes "Chapter 3", linked to its page) and its title.
local function list_parts(doc)
  local chapters, part = {}, nil
  for _, block in ipairs(doc.blocks) do
    if block.t == "Header" and block.level == 1 then
      if block.classes:includes("part") then
        part = block.identifier
        chapters[part] = {}
      elseif part and block.identifier ~= "" and not block.classes:includes("unnumbered") then
        local ref = pandoc.Cite({pandoc.Str("@" .. block.identifier)}, {pandoc.Citation(block.identifier, "AuthorInText")})
        table.insert(chapters[part], {pandoc.Plain({ref, pandoc.Str(":"), pandoc.Space(), table.unpack(block.content)})})
      end
    end
  end
  local blocks = pandoc.List()
  for _, block in ipairs(doc.blocks) do
    blocks:insert(block)
    local items = block.t == "Header" and block.classes:includes("part") and chapters[block.identifier]
    if items and #items > 0 then blocks:insert(pandoc.Div({pandoc.BulletList(items)}, {class = "part-contents"})) end
  end
  doc.blocks = blocks
  return doc
end

function Pandoc(doc)
  doc = doc:walk({Div = conditional, Span = conditional})
  if FORMAT:match("typst") then
    doc = doc:walk({Table = content_widths})
    if quarto == nil then
      doc = doc:walk({Table = short_table_together})
      doc = annexes_in_smaller_type(place_contents(doc))
    else  -- orange-book prints its contents (typst/book.typ sets them as the built-in PDF's)
      doc = annexes_in_smaller_type(doc)
      doc.blocks:insert(1, pandoc.RawBlock("typst", book_margins(doc.meta)))
    end
  elseif FORMAT == "chunkedhtml" then
    local blocks = pandoc.List()
    for _, block in ipairs(doc.blocks) do
      local split = block.t == "Div" and block.classes:includes("glance") and glance_page(block)
      if split then blocks:extend(split) else blocks:insert(block) end
    end
    doc.blocks = blocks
    doc = list_parts(doc)
  end
  return doc
end
