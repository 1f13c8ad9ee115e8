-- Bounds a wrk run in requests as well as in time: each wrk thread stops after sending the number of
-- requests given after `--` on wrk's command line (the bench divides its budget among the threads).
local left

function init(args)
  left = tonumber(args[1])
end

function request()
  left = left - 1
  if left < 0 then
    wrk.thread:stop()
  end
  return wrk.format()
end
