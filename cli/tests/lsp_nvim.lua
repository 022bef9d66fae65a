-- Driven by cli/tests/lsp_nvim.rs: Neovim's built-in LSP client against `accord lsp`. Opens
-- kitchen.accord (which has an error), waits for the diagnostic, then jumps from a channel's
-- name to its declaration in order.accord. Writes what it saw to OUT, one `key value` a line,
-- and always quits.
local accord, root, out_path = ACCORD, ROOT, OUT
local lines = {}
local function log(key, value) table.insert(lines, key .. ' ' .. tostring(value)) end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/kitchen.accord'))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({ name = 'accord', cmd = { accord, 'lsp' }, root_dir = root })
  assert(id, 'the client did not start')
  vim.lsp.buf_attach_client(buf, id)
  local seen = vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  assert(seen, 'no diagnostic arrived')
  local d = vim.diagnostic.get(buf)[1]
  log('diagnostic_line', d.lnum)
  local lsp = d.user_data and d.user_data.lsp or {}
  log('diagnostic_code', d.code or lsp.code)
  log('diagnostic_message', (d.message:gsub('\n', ' ')))
  -- The cursor on `order_events` in `subscribes order_events;`, then go to definition.
  local line = vim.fn.search('subscribes order_events')
  vim.api.nvim_win_set_cursor(0, { line, 16 })
  vim.lsp.buf.definition()
  local jumped = vim.wait(30000, function()
    return vim.api.nvim_buf_get_name(0):match('order%.accord$') ~= nil
  end, 50)
  assert(jumped, 'definition did not jump')
  log('definition_file', vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ':t'))
  log('definition_line', vim.api.nvim_win_get_cursor(0)[1] - 1)
  vim.lsp.stop_client(id)
end)
if not ok then log('error', (tostring(err):gsub('\n', ' '))) end
vim.fn.writefile(lines, out_path)
vim.cmd('qa!')
