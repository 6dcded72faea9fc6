-- Numbering and cross-references for the built-in renderer (Quarto does this itself).
-- Chapters are numbered 1, 2, ... (level-1 headings without .unnumbered or .part),
-- annexes (.appendix) A, B, ...; sections 3.1, 3.2; figures and tables 3.1, 3.2 per
-- chapter, as Quarto numbers a book with `crossref: chapters: true`. References written
-- @fig-id, @tbl-id and @sec-id become links reading "Figure 3.2", "Table 3.1",
-- "Chapter 3", "Section 3.2" or "Annex A". Figures and tables without an id (At a glance's)
-- are not numbered. A figure's fig-alt becomes its image's alt text.

local labels = {}

local function letter(n) return string.char(64 + n) end

-- Numbers a figure or table ("Figure 3.2") for references and prefixes its caption with it.
local function label_caption(block, kind, current, count)
  local n = (current and (current .. ".") or "") .. count
  labels[block.identifier] = kind .. " " .. n
  local caption = block.caption.long
  if #caption > 0 and caption[1].t == "Plain" then
    caption[1].content = {pandoc.Strong({pandoc.Str(kind .. " " .. n .. ":")}), pandoc.Space()} .. caption[1].content
  end
  block.caption.long = caption
end

local function number_document(blocks)
  local chapter, annex, section, fig, tbl = 0, 0, 0, 0, 0
  local current = nil
  local function walk(list)
    for _, block in ipairs(list) do
      if block.t == "Header" then
        local numbered = not block.classes:includes("unnumbered") and not block.classes:includes("part")
        if block.level == 1 then
          section, fig, tbl = 0, 0, 0
          if numbered then
            if block.classes:includes("appendix") then
              annex = annex + 1
              current = letter(annex)
              labels[block.identifier] = "Annex " .. current
            else
              chapter = chapter + 1
              current = tostring(chapter)
              labels[block.identifier] = "Chapter " .. current
            end
            block.content = {pandoc.Str(current), pandoc.Space()} .. block.content
          else
            current = nil
          end
        elseif block.level == 2 and numbered and current then
          section = section + 1
          local n = current .. "." .. section
          labels[block.identifier] = "Section " .. n
          block.content = {pandoc.Str(n), pandoc.Space()} .. block.content
        end
      elseif block.t == "Figure" then
        if block.identifier ~= "" then
          fig = fig + 1
          label_caption(block, "Figure", current, fig)
        end
        block.content = pandoc.walk_block(pandoc.Div(block.content), {
          Image = function(img)
            local alt = img.attributes["fig-alt"]
            if alt then
              img.caption = {pandoc.Str(alt)}
              img.attributes["fig-alt"] = nil
            end
            return img
          end,
        }).content
      elseif block.t == "Table" and block.identifier ~= "" then
        tbl = tbl + 1
        label_caption(block, "Table", current, tbl)
      elseif block.t == "Div" then
        walk(block.content)
      end
    end
  end
  walk(blocks)
end

function Pandoc(doc)
  number_document(doc.blocks)
  doc = doc:walk({
    Cite = function(cite)
      local id = cite.citations[1].id
      local label = labels[id]
      if label then
        return pandoc.Link({pandoc.Str(label)}, "#" .. id)
      end
      return nil
    end,
  })
  return doc
end
