-- wrk: every third request is a fresh query (a new comment makes it miss the response store), the rest
-- repeat one cached answer; so a long load exercises both paths and the store's eviction.
local n = 0
request = function()
  n = n + 1
  if n % 3 == 0 then
    return wrk.format("GET", wrk.path .. "%23%20" .. n)
  end
  return wrk.format("GET", wrk.path)
end
