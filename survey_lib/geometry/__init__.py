"""Where the points come from and where they go: thin-plate-spline warps (:mod:`.warp`), 68-point landmark
detection and landmark files (:mod:`.landmarks`, :mod:`.readers`), anime faces (:mod:`.animeface`), Neural Best
Buddies (:mod:`.nbb`), the matchers that turn them into correspondences (:mod:`.matchers`), shape statistics
(:mod:`.shapes`), graded deformations of a face (:mod:`.deform`) and whose face it is (:mod:`.identity`).
Points are ``(K, 2)`` ``(x, y)`` pixels, the convention :mod:`survey_lib` states once.
"""
