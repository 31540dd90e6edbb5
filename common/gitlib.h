/*
 * gitlib.h: libgit2 for hush, loaded with dlopen the first time it is needed. Include this instead of <git2.h>.
 *
 * Linking libgit2 made every hush process load it and its dependencies (libcrypto, krb5/gssapi, mbedtls, libssh2,
 * http_parser: about 2.8 ms of dynamic loading), though most commands never call it. Here <git2.h> gives the types
 * and declarations, and each libgit2 function hush uses is redirected to a table of pointers filled by dlsym:
 * `git_odb_read(&o, odb, id)` becomes `(hush__git()->git_odb_read)(&o, odb, id)`, so call sites read as plain
 * libgit2. Only this header and gitlib.c know about the table.
 *
 * The library is loaded once per process (thread-safe), by hush_git_init() (scanner/repo.c, which then runs
 * git_libgit2_init(), possibly on its background thread) or hush__git_load(); a git_* call made before either
 * loads it then. Every libgit2 user calls hush_git_init() first and handles its error. After a failed load:
 *   - the free and dispose functions (git_*_free, git_buf_dispose) do nothing: no libgit2 object can exist, and
 *     cleanup code frees its NULL pointers on every path, including the one where loading failed;
 *   - any other git_* call prints the load error and exits with status 2 (hush__git_slow()). No path of hush does
 *     that: it is the net under a caller that forgot to check hush_git_init(), so that it never crashes.
 *
 * To use another libgit2 function, add it to HUSH__GIT_FUNCTIONS and to the #define list below (keep both
 * sorted; free functions take the function-like form). A function missing from the #define list is a link error,
 * since hush does not link libgit2.
 *
 * With -DHUSH_LIBGIT2_DLOPEN=OFF, HUSH_LIBGIT2_SONAME is not defined: libgit2 is linked as usual and this header
 * is <git2.h> plus hush__git_load(), which then always succeeds.
 */
#ifndef HUSH_COMMON_GITLIB_H
#define HUSH_COMMON_GITLIB_H

#include <git2.h>

/*
 * Load libgit2 (once per process; thread-safe). Returns 0, or HUSH_ERROR with "cannot load libgit2 (SONAME): why"
 * as the calling thread's error message; every later call fails the same way. Does not run git_libgit2_init():
 * hush_git_init() does that.
 */
int hush__git_load(void);

#ifdef HUSH_LIBGIT2_SONAME

#include <stdatomic.h>
#include <stdbool.h>

/* X(name) for every libgit2 function hush calls. */
#define HUSH__GIT_FUNCTIONS(X) \
	X(git_blob_free) \
	X(git_blob_lookup) \
	X(git_blob_rawcontent) \
	X(git_blob_rawsize) \
	X(git_buf_dispose) \
	X(git_commit_author) \
	X(git_commit_free) \
	X(git_commit_lookup) \
	X(git_commit_parent) \
	X(git_commit_parentcount) \
	X(git_commit_tree) \
	X(git_config_free) \
	X(git_config_get_bool) \
	X(git_config_get_path) \
	X(git_config_get_string_buf) \
	X(git_config_open_default) \
	X(git_config_snapshot) \
	X(git_diff_find_options_init) \
	X(git_diff_find_similar) \
	X(git_diff_free) \
	X(git_diff_get_delta) \
	X(git_diff_num_deltas) \
	X(git_diff_options_init) \
	X(git_diff_tree_to_index) \
	X(git_error_last) \
	X(git_ignore_path_is_ignored) \
	X(git_index_find_prefix) \
	X(git_index_free) \
	X(git_index_get_bypath) \
	X(git_index_open) \
	X(git_libgit2_init) \
	X(git_libgit2_opts) \
	X(git_libgit2_shutdown) \
	X(git_libgit2_version) \
	X(git_merge_base) \
	X(git_object_free) \
	X(git_object_id) \
	X(git_object_peel) \
	X(git_object_type) \
	X(git_odb_add_disk_alternate) \
	X(git_odb_exists) \
	X(git_odb_foreach) \
	X(git_odb_free) \
	X(git_odb_object_data) \
	X(git_odb_object_free) \
	X(git_odb_object_size) \
	X(git_odb_object_type) \
	X(git_odb_read) \
	X(git_odb_read_header) \
	X(git_oid_equal) \
	X(git_oid_fromraw) \
	X(git_oid_fromstr) \
	X(git_oid_fromstrn) \
	X(git_oid_tostr) \
	X(git_patch_free) \
	X(git_patch_from_blobs) \
	X(git_patch_from_diff) \
	X(git_patch_get_line_in_hunk) \
	X(git_patch_num_hunks) \
	X(git_patch_num_lines_in_hunk) \
	X(git_reference_free) \
	X(git_reference_iterator_free) \
	X(git_reference_iterator_glob_new) \
	X(git_reference_iterator_new) \
	X(git_reference_name) \
	X(git_reference_name_to_id) \
	X(git_reference_next) \
	X(git_reference_peel) \
	X(git_reference_type) \
	X(git_reflog_entry_byindex) \
	X(git_reflog_entry_id_new) \
	X(git_reflog_entrycount) \
	X(git_reflog_free) \
	X(git_reflog_read) \
	X(git_repository_commondir) \
	X(git_repository_config_snapshot) \
	X(git_repository_free) \
	X(git_repository_index) \
	X(git_repository_is_bare) \
	X(git_repository_is_shallow) \
	X(git_repository_odb) \
	X(git_repository_open) \
	X(git_repository_open_ext) \
	X(git_repository_path) \
	X(git_repository_workdir) \
	X(git_revparse) \
	X(git_revparse_single) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_lookup)

/* One pointer per function, typed from libgit2's own declaration. */
struct hush__git_api {
#define HUSH__GIT_MEMBER(f) __typeof__(&f) f;
	HUSH__GIT_FUNCTIONS(HUSH__GIT_MEMBER)
#undef HUSH__GIT_MEMBER
};

/* The table once libgit2 is loaded and every symbol resolved; NULL before, and after a failed load. */
extern _Atomic(const struct hush__git_api *) hush__git_table;

/* Load the library now and return the table, or print why it cannot be loaded and exit(2). */
const struct hush__git_api *hush__git_slow(void);

static inline const struct hush__git_api *hush__git(void)
{
	const struct hush__git_api *api = atomic_load_explicit(&hush__git_table, memory_order_acquire);

	return api ? api : hush__git_slow();
}

static inline bool hush__git_loaded(void)
{
	return atomic_load_explicit(&hush__git_table, memory_order_acquire) != NULL;
}

#ifndef HUSH__GITLIB_NO_REDIRECT
#define git_blob_free(p)                   (hush__git_loaded() ? (hush__git()->git_blob_free)(p) : (void)0)
#define git_blob_lookup                    (hush__git()->git_blob_lookup)
#define git_blob_rawcontent                (hush__git()->git_blob_rawcontent)
#define git_blob_rawsize                   (hush__git()->git_blob_rawsize)
#define git_buf_dispose(p)                 (hush__git_loaded() ? (hush__git()->git_buf_dispose)(p) : (void)0)
#define git_commit_author                  (hush__git()->git_commit_author)
#define git_commit_free(p)                 (hush__git_loaded() ? (hush__git()->git_commit_free)(p) : (void)0)
#define git_commit_lookup                  (hush__git()->git_commit_lookup)
#define git_commit_parent                  (hush__git()->git_commit_parent)
#define git_commit_parentcount             (hush__git()->git_commit_parentcount)
#define git_commit_tree                    (hush__git()->git_commit_tree)
#define git_config_free(p)                 (hush__git_loaded() ? (hush__git()->git_config_free)(p) : (void)0)
#define git_config_get_bool                (hush__git()->git_config_get_bool)
#define git_config_get_path                (hush__git()->git_config_get_path)
#define git_config_get_string_buf          (hush__git()->git_config_get_string_buf)
#define git_config_open_default            (hush__git()->git_config_open_default)
#define git_config_snapshot                (hush__git()->git_config_snapshot)
#define git_diff_find_options_init         (hush__git()->git_diff_find_options_init)
#define git_diff_find_similar              (hush__git()->git_diff_find_similar)
#define git_diff_free(p)                   (hush__git_loaded() ? (hush__git()->git_diff_free)(p) : (void)0)
#define git_diff_get_delta                 (hush__git()->git_diff_get_delta)
#define git_diff_num_deltas                (hush__git()->git_diff_num_deltas)
#define git_diff_options_init              (hush__git()->git_diff_options_init)
#define git_diff_tree_to_index             (hush__git()->git_diff_tree_to_index)
#define git_error_last                     (hush__git()->git_error_last)
#define git_ignore_path_is_ignored         (hush__git()->git_ignore_path_is_ignored)
#define git_index_find_prefix              (hush__git()->git_index_find_prefix)
#define git_index_free(p)                  (hush__git_loaded() ? (hush__git()->git_index_free)(p) : (void)0)
#define git_index_get_bypath               (hush__git()->git_index_get_bypath)
#define git_index_open                     (hush__git()->git_index_open)
#define git_libgit2_init                   (hush__git()->git_libgit2_init)
#define git_libgit2_opts                   (hush__git()->git_libgit2_opts)
#define git_libgit2_shutdown               (hush__git()->git_libgit2_shutdown)
#define git_libgit2_version                (hush__git()->git_libgit2_version)
#define git_merge_base                     (hush__git()->git_merge_base)
#define git_object_free(p)                 (hush__git_loaded() ? (hush__git()->git_object_free)(p) : (void)0)
#define git_object_id                      (hush__git()->git_object_id)
#define git_object_peel                    (hush__git()->git_object_peel)
#define git_object_type                    (hush__git()->git_object_type)
#define git_odb_add_disk_alternate         (hush__git()->git_odb_add_disk_alternate)
#define git_odb_exists                     (hush__git()->git_odb_exists)
#define git_odb_foreach                    (hush__git()->git_odb_foreach)
#define git_odb_free(p)                    (hush__git_loaded() ? (hush__git()->git_odb_free)(p) : (void)0)
#define git_odb_object_data                (hush__git()->git_odb_object_data)
#define git_odb_object_free(p)             (hush__git_loaded() ? (hush__git()->git_odb_object_free)(p) : (void)0)
#define git_odb_object_size                (hush__git()->git_odb_object_size)
#define git_odb_object_type                (hush__git()->git_odb_object_type)
#define git_odb_read                       (hush__git()->git_odb_read)
#define git_odb_read_header                (hush__git()->git_odb_read_header)
#define git_oid_equal                      (hush__git()->git_oid_equal)
#define git_oid_fromraw                    (hush__git()->git_oid_fromraw)
#define git_oid_fromstr                    (hush__git()->git_oid_fromstr)
#define git_oid_fromstrn                   (hush__git()->git_oid_fromstrn)
#define git_oid_tostr                      (hush__git()->git_oid_tostr)
#define git_patch_free(p)                  (hush__git_loaded() ? (hush__git()->git_patch_free)(p) : (void)0)
#define git_patch_from_blobs               (hush__git()->git_patch_from_blobs)
#define git_patch_from_diff                (hush__git()->git_patch_from_diff)
#define git_patch_get_line_in_hunk         (hush__git()->git_patch_get_line_in_hunk)
#define git_patch_num_hunks                (hush__git()->git_patch_num_hunks)
#define git_patch_num_lines_in_hunk        (hush__git()->git_patch_num_lines_in_hunk)
#define git_reference_free(p)              (hush__git_loaded() ? (hush__git()->git_reference_free)(p) : (void)0)
#define git_reference_iterator_free(p)     (hush__git_loaded() ? (hush__git()->git_reference_iterator_free)(p) : (void)0)
#define git_reference_iterator_glob_new    (hush__git()->git_reference_iterator_glob_new)
#define git_reference_iterator_new         (hush__git()->git_reference_iterator_new)
#define git_reference_name                 (hush__git()->git_reference_name)
#define git_reference_name_to_id           (hush__git()->git_reference_name_to_id)
#define git_reference_next                 (hush__git()->git_reference_next)
#define git_reference_peel                 (hush__git()->git_reference_peel)
#define git_reference_type                 (hush__git()->git_reference_type)
#define git_reflog_entry_byindex           (hush__git()->git_reflog_entry_byindex)
#define git_reflog_entry_id_new            (hush__git()->git_reflog_entry_id_new)
#define git_reflog_entrycount              (hush__git()->git_reflog_entrycount)
#define git_reflog_free(p)                 (hush__git_loaded() ? (hush__git()->git_reflog_free)(p) : (void)0)
#define git_reflog_read                    (hush__git()->git_reflog_read)
#define git_repository_commondir           (hush__git()->git_repository_commondir)
#define git_repository_config_snapshot     (hush__git()->git_repository_config_snapshot)
#define git_repository_free(p)             (hush__git_loaded() ? (hush__git()->git_repository_free)(p) : (void)0)
#define git_repository_index               (hush__git()->git_repository_index)
#define git_repository_is_bare             (hush__git()->git_repository_is_bare)
#define git_repository_is_shallow          (hush__git()->git_repository_is_shallow)
#define git_repository_odb                 (hush__git()->git_repository_odb)
#define git_repository_open                (hush__git()->git_repository_open)
#define git_repository_open_ext            (hush__git()->git_repository_open_ext)
#define git_repository_path                (hush__git()->git_repository_path)
#define git_repository_workdir             (hush__git()->git_repository_workdir)
#define git_revparse                       (hush__git()->git_revparse)
#define git_revparse_single                (hush__git()->git_revparse_single)
#define git_tree_entry_byindex             (hush__git()->git_tree_entry_byindex)
#define git_tree_entry_bypath              (hush__git()->git_tree_entry_bypath)
#define git_tree_entry_filemode            (hush__git()->git_tree_entry_filemode)
#define git_tree_entry_free(p)             (hush__git_loaded() ? (hush__git()->git_tree_entry_free)(p) : (void)0)
#define git_tree_entry_id                  (hush__git()->git_tree_entry_id)
#define git_tree_entry_name                (hush__git()->git_tree_entry_name)
#define git_tree_entry_type                (hush__git()->git_tree_entry_type)
#define git_tree_entrycount                (hush__git()->git_tree_entrycount)
#define git_tree_free(p)                   (hush__git_loaded() ? (hush__git()->git_tree_free)(p) : (void)0)
#define git_tree_lookup                    (hush__git()->git_tree_lookup)
#endif /* HUSH__GITLIB_NO_REDIRECT */

#endif /* HUSH_LIBGIT2_SONAME */

#endif
