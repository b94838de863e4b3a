module pdqguard

go 1.19
