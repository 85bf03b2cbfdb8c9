variable "repositories" {
  description = "Repository name per service."
  type        = map(string)
}

variable "keep_images" {
  description = "Images each repository keeps; older ones expire."
  type        = number

  validation {
    condition     = var.keep_images >= 1 && floor(var.keep_images) == var.keep_images
    error_message = "Keep at least one image per repository."
  }
}
